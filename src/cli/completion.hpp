// `photon-dct completion bash|zsh|fish`: completion scripts generated from the CLI11 App tree.
#pragma once

#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

namespace photon_dct::cli {

// The completion script for `shell` (bash, zsh or fish) covering every visible subcommand (at any
// depth), option and choice of `app`. Throws a Usage error for another shell.
std::string completion_script(const CLI::App& app, std::string_view shell);

} // namespace photon_dct::cli
