#include "unknown_command.hpp"

#include <algorithm>
#include <iterator>
#include <numeric>

#include <fmt/format.h>

namespace photon_dct::cli {
namespace {

// The root option a word names ("--json", "-q", "--profile=x"), if any.
const CLI::Option* root_option(const CLI::App& app, std::string_view word) {
    const std::string name(word.substr(0, word.find('=')));
    for (const CLI::Option* o : app.get_options()) {
        if (o->get_positional()) continue;
        if (o->check_name(name)) return o;
    }
    return nullptr;
}

} // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    std::iota(row.begin(), row.end(), std::size_t{0});
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

std::optional<std::string> command_word(const CLI::App& app, const std::vector<std::string>& args) {
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& word = args[i];
        if (word == "--") return std::nullopt;
        if (word.size() > 1 && word[0] == '-') {
            // A global option that takes a value consumes the next word (unless given as --opt=value).
            const CLI::Option* o = root_option(app, word);
            if (o != nullptr && o->get_expected_max() > 0 && word.find('=') == std::string::npos) ++i;
            continue;
        }
        return word;
    }
    return std::nullopt;
}

std::optional<UnknownCommand> find_unknown_command(const CLI::App& app, const std::vector<std::string>& args) {
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); }))
        names.push_back(sub->get_name());
    const auto found = command_word(app, args);
    if (!found || std::find(names.begin(), names.end(), *found) != names.end()) return std::nullopt;
    const std::string& word = *found;
    UnknownCommand u{fmt::format("unknown command '{}'", word), ""};
    // Among the commands the word starts ("restor"), or else all of them, the closest.
    std::vector<std::string> candidates;
    std::copy_if(names.begin(), names.end(), std::back_inserter(candidates),
                 [&](const auto& n) { return n.rfind(word, 0) == 0; });
    const bool prefix = !candidates.empty();
    if (!prefix) candidates = names;
    const auto best = std::min_element(candidates.begin(), candidates.end(), [&](const auto& x, const auto& y) {
        return edit_distance(word, x) < edit_distance(word, y);
    });
    if (best != candidates.end() &&
        (prefix || edit_distance(word, *best) <= std::max<std::size_t>(2, word.size() / 3)))
        u.hint = fmt::format("did you mean '{}'? (photon-dct --help lists every command)", *best);
    else
        u.hint = fmt::format("the commands are: {}", fmt::join(names, ", "));
    return u;
}

} // namespace photon_dct::cli
