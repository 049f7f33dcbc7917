// The configuration loader: wallet.toml, the environment and --set flags layered over the
// defaults. The input is the TOML file, then NUL-separated entries: "--section.key=value"
// becomes a flag, "NAME=value" an environment variable. Any of them wrong must be refused with a
// DomainError naming the key, never crash or throw anything else.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "tests/fuzz/fuzz_check.hpp"

using namespace wallet;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto end_of_file = input.find('\0');
  static const std::string path =
      (std::filesystem::temp_directory_path() / ("walletctl-config-fuzz-" + std::to_string(getpid()) + ".toml"))
          .string();
  std::ofstream(path, std::ios::binary | std::ios::trunc) << input.substr(0, end_of_file);
  ConfigInputs inputs;
  inputs.config_flag = path;
  std::string_view rest = end_of_file == std::string_view::npos ? std::string_view() : input.substr(end_of_file + 1);
  while (!rest.empty()) {
    const auto next = rest.find('\0');
    const auto entry = rest.substr(0, next);
    const auto equals = entry.find('=');
    if (equals != std::string_view::npos) {
      std::string name(entry.substr(0, equals)), value(entry.substr(equals + 1));
      if (name.starts_with("--")) {
        inputs.flags.emplace_back(name.substr(2), std::move(value));
      } else {
        inputs.environment[std::move(name)] = std::move(value);
      }
    }
    rest = next == std::string_view::npos ? std::string_view() : rest.substr(next + 1);
  }
  LoadedSettings loaded;
  if (fuzz::refused([&] { loaded = load_settings(inputs); })) return 0;
  fuzz::check(loaded.file == path, "the file read is the one named");
  return 0;
}
