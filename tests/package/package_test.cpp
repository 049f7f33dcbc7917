// The Debian package as an operator meets it: built by scripts/package, installed with dpkg on
// this machine (CI runs as root on a throwaway one), then the installed walletctl is run from
// the installed configuration against the test stack, its units are checked by systemd, and an
// edited configuration survives a reinstall. Removed (purged) at the end unless it was installed
// before the test.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <filesystem>
#include <regex>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "tests/support/paths.hpp"
#include "tests/support/process.hpp"
#include "tests/support/server_process.hpp"
#include "tests/support/test_database.hpp"

namespace wallet::testing {
namespace {

namespace fs = std::filesystem;
const std::string kConfig = "/etc/walletctl/wallet.toml";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool installed() {
  const auto r = run_process({"dpkg-query", "-W", "-f=${Status}", "walletctl"});
  return r.exit_code == 0 && r.out.find("install ok installed") != std::string::npos;
}

class PackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "installing a package needs root (CI runs as root)";
    was_installed_ = installed();
  }
  void TearDown() override {
    if (!was_installed_ && installed()) {
      const auto purge = run_process({"dpkg", "--purge", "walletctl"});
      EXPECT_EQ(purge.exit_code, 0) << purge.err;
    }
  }
  bool was_installed_ = false;
};

TEST_F(PackageTest, InstallsServesFromItsConfigAndKeepsAnEditedConfig) {
  const auto out = fs::temp_directory_path() / ("walletctl-package-" + std::to_string(::getpid()));
  const auto built = run_process({source_dir() + "/scripts/package", "--no-build", "--out", out.string()});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  const std::string deb = built.out.substr(0, built.out.find('\n'));
  ASSERT_TRUE(fs::exists(deb)) << built.out;

  const auto info = run_process({"dpkg-deb", "--info", deb});
  EXPECT_NE(info.out.find("Depends:"), std::string::npos) << info.out;  // from dpkg-shlibdeps
  EXPECT_NE(run_process({"dpkg-deb", "-I", deb, "conffiles"}).out.find(kConfig), std::string::npos);
  const auto install = run_process({"dpkg", "-i", deb});
  ASSERT_EQ(install.exit_code, 0) << install.out << install.err;

  // The binary, from the same build; the user; the configuration readable by that user alone.
  const auto version = run_process({"/usr/bin/walletctl", "--version"});
  EXPECT_EQ(version.out, run_process({walletctl_path(), "--version"}).out);
  const passwd* user = getpwnam("walletctl");
  ASSERT_NE(user, nullptr) << "postinst makes the walletctl system user";
  EXPECT_LT(user->pw_uid, 1000u) << "a system user";
  struct stat st {};
  ASSERT_EQ(stat(kConfig.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0640u);
  EXPECT_EQ(st.st_gid, user->pw_gid);
  EXPECT_EQ(read_file(kConfig), read_file(source_dir() + "/wallet.toml"));
  for (const char* path : {"/usr/lib/systemd/system/walletctl.service", "/usr/lib/systemd/system/walletctl-worker.service",
                           "/usr/lib/systemd/system/walletctl-notify.service", "/usr/share/man/man1/walletctl.1",
                           "/usr/share/bash-completion/completions/walletctl",
                           "/usr/share/zsh/vendor-completions/_walletctl", "/usr/share/doc/walletctl/copyright",
                           "/usr/share/doc/walletctl/README.md"}) {
    EXPECT_TRUE(fs::exists(path)) << path;
  }
  EXPECT_NE(run_process({"man", "-l", "-P", "cat", "/usr/share/man/man1/walletctl.1"}).out.find("EXIT STATUS"),
            std::string::npos);
  // README's links to the docs and the default configuration lead somewhere in the installed tree.
  const std::string doc = "/usr/share/doc/walletctl/";
  const std::regex local_link(R"(\]\(((\.\./|docs/)?[A-Za-z0-9_-]+\.(md|json|toml))[#)])");
  int links = 0;
  for (const std::string page : {"README.md", "docs/configuration.md", "docs/operations.md"}) {
    const auto text = read_file(doc + page);
    const auto base = fs::path(doc + page).parent_path();
    for (std::sregex_iterator it(text.begin(), text.end(), local_link), end; it != end; ++it, ++links) {
      const auto target = (*it)[1].str();
      EXPECT_TRUE(fs::exists(base / target)) << target << " linked from " << page;
    }
  }
  EXPECT_GT(links, 10);

  // systemd accepts the installed units (with the binary they name now in place).
  const auto verify = run_process({"systemd-analyze", "verify", "--man=no", "/usr/lib/systemd/system/walletctl.service",
                                   "/usr/lib/systemd/system/walletctl-worker.service",
                                   "/usr/lib/systemd/system/walletctl-notify.service"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_EQ(verify.err.find("walletctl"), std::string::npos) << verify.err;

  // The installed walletctl serves from the installed configuration (services from the stack's
  // environment, as /etc/default/walletctl would give them).
  TestDatabase db;
  {
    ServerProcess server(db.url(), {}, "--config " + kConfig + " serve", false, Launch{"/usr/bin/walletctl", {}});
    auto client = server.client();
    const auto health = client->Get("/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200) << health->body;
  }

  // An operator's edit survives a reinstall: the configuration is a conffile.
  { std::ofstream(kConfig, std::ios::app) << "# edited by the operator\n"; }
  const auto again = run_process({"dpkg", "-i", deb}, {{"DEBIAN_FRONTEND", "noninteractive"}});
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(read_file(kConfig).find("# edited by the operator"), std::string::npos);
  fs::remove_all(out);
}

}  // namespace
}  // namespace wallet::testing
