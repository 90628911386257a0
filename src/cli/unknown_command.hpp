// "unknown command 'foo'" with the closest command name, instead of CLI11's "A subcommand is
// required" / "arguments were not expected".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

namespace photon_dct::cli {

struct UnknownCommand {
    std::string message; // "unknown command 'insepct'"
    std::string hint;    // "did you mean 'inspect'? …" or the list of commands
};

// The first word of `args` (the command line without the program) that is not a global option of
// `app` or its value: the word that names the command; nullopt if there is none.
std::optional<std::string> command_word(const CLI::App& app, const std::vector<std::string>& args);

// The first word on the command line that should be a subcommand of `app` but is not (global
// options and their values are skipped), or nullopt when the words name a known subcommand.
std::optional<UnknownCommand> find_unknown_command(const CLI::App& app, const std::vector<std::string>& args);

// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(std::string_view a, std::string_view b);

} // namespace photon_dct::cli
