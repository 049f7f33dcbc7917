// walletctl: hands over to the CLI library at once, so every test links the same code.
#include "cli/app.hpp"

int main(int argc, char** argv) { return wallet::cli::run(argc, argv); }
