// Shell completions generated from the CLI11 definition itself (`photon-dct completion SHELL`), so
// that a new subcommand or option is completed without anyone editing a script. The App tree is
// first read into a small model (commands by path, their options and value kinds), then written
// out for bash, zsh or fish.
#include "completion.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "photon_dct/error.hpp"

namespace photon_dct::cli {
namespace {

enum class ValueKind { None, Choices, Directory, File };

struct OptionModel {
    std::vector<std::string> names; // "--file", "-o", …
    std::string description;
    ValueKind kind = ValueKind::None;
    std::vector<std::string> choices;
};

struct CommandModel {
    std::string path; // "" for the program, "/inspect" for a subcommand, "/a/b" nested
    std::vector<std::pair<std::string, std::string>> children; // name, description
    std::vector<OptionModel> options;
    std::vector<std::string> positional_choices;
};

// CLI11 appends each validator's description to the type name: "TEXT:{tcp,udp}" for IsMember.
std::vector<std::string> choices_of(const CLI::Option& option) {
    const std::string type = option.get_type_name();
    const auto open = type.find('{');
    const auto close = type.find('}', open);
    std::vector<std::string> out;
    if (open == std::string::npos || close == std::string::npos) return out;
    std::string item;
    for (char c : type.substr(open + 1, close - open - 1)) {
        if (c == ',') {
            out.push_back(item);
            item.clear();
        } else {
            item += c;
        }
    }
    out.push_back(item);
    return out;
}

OptionModel option_model(const CLI::Option& option) {
    OptionModel m;
    for (const auto& s : option.get_snames()) m.names.push_back("-" + s);
    for (const auto& l : option.get_lnames()) m.names.push_back("--" + l);
    m.description = option.get_description();
    m.choices = choices_of(option);
    if (option.get_expected_max() == 0) // a flag
        m.kind = ValueKind::None;
    else if (!m.choices.empty())
        m.kind = ValueKind::Choices;
    else if (option.get_name().find("dir") != std::string::npos)
        m.kind = ValueKind::Directory;
    else
        m.kind = ValueKind::File; // any other value: files are the useful default (paths, PEMs, images)
    return m;
}

bool visible(const CLI::Option* o) { return !o->get_group().empty(); }

void collect(const CLI::App& app, const std::string& path, const std::vector<OptionModel>& inherited,
             std::vector<CommandModel>& out) {
    CommandModel node;
    node.path = path;
    node.options = inherited;
    std::vector<OptionModel> own;
    for (const CLI::Option* o : app.get_options(visible)) {
        if (o->get_positional()) {
            for (auto& c : choices_of(*o)) node.positional_choices.push_back(c);
        } else {
            own.push_back(option_model(*o));
        }
    }
    node.options.insert(node.options.end(), own.begin(), own.end());
    const auto subs = app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
    for (const CLI::App* sub : subs) node.children.emplace_back(sub->get_name(), sub->get_description());
    out.push_back(node);
    for (const CLI::App* sub : subs) {
        // With fallthrough, a subcommand also accepts its parent's options (not its help flag).
        std::vector<OptionModel> pass;
        if (sub->get_fallthrough())
            for (const auto& o : own)
                if (std::find(o.names.begin(), o.names.end(), "--help") == o.names.end()) pass.push_back(o);
        collect(*sub, path + "/" + sub->get_name(), pass, out);
    }
}

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
    return out;
}

// Single-quoted shell word (bash, zsh and fish all read '\'' the same way).
std::string shell_quoted(std::string_view text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// One pattern that matches "$cmdpath/$word" exactly when $word is a known subcommand.
std::vector<std::string> child_paths(const std::vector<CommandModel>& model) {
    std::vector<std::string> out;
    for (const auto& node : model)
        for (const auto& child : node.children) out.push_back(node.path + "/" + child.first);
    return out;
}

// How bash and zsh complete an option's value, in a `case "$prev"` arm.
struct ValueActions {
    std::string_view open;    // before the pattern: "" (bash) or "(" (zsh)
    std::string_view choices; // {} = the choices
    bool choices_as_one_word; // bash's compgen -W takes one word, zsh's compadd one per choice
    std::string_view directory;
    std::string_view file;
};
constexpr ValueActions kBashValues{"", "COMPREPLY=($(compgen -W {} -- \"$cur\"))", true,
                                   "COMPREPLY=($(compgen -d -- \"$cur\"))", "COMPREPLY=($(compgen -f -- \"$cur\"))"};
constexpr ValueActions kZshValues{"(", "compadd -- {}", false, "_files -/", "_files"};

std::string value_arms(const CommandModel& node, const ValueActions& a) {
    std::string s;
    for (const auto& o : node.options) {
        std::string action;
        if (o.kind == ValueKind::Choices) {
            std::vector<std::string> words;
            for (const auto& c : o.choices) words.push_back(shell_quoted(c));
            action = fmt::format(fmt::runtime(a.choices),
                                 a.choices_as_one_word ? shell_quoted(join(o.choices, " ")) : join(words, " "));
        } else if (o.kind == ValueKind::Directory) {
            action = a.directory;
        } else if (o.kind == ValueKind::File) {
            action = a.file;
        } else {
            continue;
        }
        s += fmt::format("        {}{}) {}; return ;;\n", a.open, join(o.names, "|"), action);
    }
    return s;
}

// bash and zsh: the loop that finds which (sub)command the words typed so far name, as $cmdpath.
std::string path_loop(const std::vector<CommandModel>& model, std::string_view words, std::string_view first,
                      std::string_view current, std::string_view open) {
    return fmt::format("    local cmdpath=\"\" i\n"
                       "    for ((i = {1}; i < {2}; i++)); do\n"
                       "        case \"$cmdpath/${{{0}[i]}}\" in\n"
                       "        {3}{4}) cmdpath=\"$cmdpath/${{{0}[i]}}\" ;;\n"
                       "        esac\n"
                       "    done\n",
                       words, first, current, open, join(child_paths(model), "|"));
}

std::string bash_script(const std::vector<CommandModel>& model, const std::string& program) {
    const std::string fn = "_photon_dct_complete";
    std::string s = fmt::format("# bash completion for {0}; generated by `{0} completion bash`, do not edit.\n"
                                "{1}() {{\n"
                                "    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}\n"
                                "{2}"
                                "    case \"$cmdpath\" in\n",
                                program, fn, path_loop(model, "COMP_WORDS", "1", "COMP_CWORD", ""));
    for (const auto& node : model) {
        s += fmt::format("    {})\n        case \"$prev\" in\n", shell_quoted(node.path));
        s += value_arms(node, kBashValues);
        std::vector<std::string> words;
        for (const auto& o : node.options) words.insert(words.end(), o.names.begin(), o.names.end());
        for (const auto& child : node.children) words.push_back(child.first);
        words.insert(words.end(), node.positional_choices.begin(), node.positional_choices.end());
        s += fmt::format("        esac\n        COMPREPLY=($(compgen -W {} -- \"$cur\")) ;;\n",
                         shell_quoted(join(words, " ")));
    }
    s += fmt::format("    esac\n}}\ncomplete -o bashdefault -o default -F {} {}\n", fn, program);
    return s;
}

// zsh _describe entries are "name:description"; a colon in the name must be escaped.
std::string zsh_entry(const std::string& name, const std::string& description) {
    std::string escaped;
    for (char c : name) escaped += c == ':' ? std::string("\\:") : std::string(1, c);
    return shell_quoted(escaped + ":" + description);
}

std::string zsh_script(const std::vector<CommandModel>& model, const std::string& program) {
    std::string s = fmt::format("#compdef {0}\n# zsh completion for {0}; generated by `{0} completion zsh`, do not "
                                "edit.\n_photon_dct() {{\n"
                                "{1}"
                                "    local prev=${{words[CURRENT-1]}}\n"
                                "    local -a subcommands flaglist\n"
                                "    case \"$cmdpath\" in\n",
                                program, path_loop(model, "words", "2", "CURRENT", "("));
    for (const auto& node : model) {
        s += fmt::format("    ({})\n        case \"$prev\" in\n", shell_quoted(node.path));
        s += value_arms(node, kZshValues);
        std::vector<std::string> options;
        for (const auto& o : node.options)
            for (const auto& n : o.names) options.push_back(zsh_entry(n, o.description));
        std::vector<std::string> commands;
        for (const auto& child : node.children) commands.push_back(zsh_entry(child.first, child.second));
        for (const auto& c : node.positional_choices) commands.push_back(zsh_entry(c, "value"));
        s += fmt::format("        esac\n        subcommands=({})\n        flaglist=({})\n        ;;\n",
                         join(commands, " "), join(options, " "));
    }
    s += "    esac\n"
         "    _describe -t commands 'command' subcommands\n"
         "    _describe -t options 'option' flaglist\n"
         "}\n"
         "_photon_dct \"$@\"\n";
    return s;
}

std::string fish_script(const std::vector<CommandModel>& model, const std::string& program) {
    std::string s = fmt::format("# fish completion for {0}; generated by `{0} completion fish`, do not edit.\n"
                                "function __photon_dct_path\n"
                                "    set -l p ''\n"
                                "    for t in (commandline -opc)[2..-1]\n"
                                "        switch \"$p/$t\"\n"
                                "            case {1}\n"
                                "                set p \"$p/$t\"\n"
                                "        end\n"
                                "    end\n"
                                "    echo \"root$p\"\n"
                                "end\n"
                                "complete -c {0} -f\n",
                                program, join(child_paths(model), " "));
    for (const auto& node : model) {
        const std::string when = shell_quoted("test (__photon_dct_path) = root" + node.path);
        for (const auto& child : node.children)
            s += fmt::format("complete -c {} -n {} -a {} -d {}\n", program, when, shell_quoted(child.first),
                             shell_quoted(child.second));
        for (const auto& c : node.positional_choices)
            s += fmt::format("complete -c {} -n {} -a {}\n", program, when, shell_quoted(c));
        for (const auto& o : node.options) {
            std::string flags;
            for (const auto& n : o.names)
                flags +=
                    n.rfind("--", 0) == 0 ? fmt::format(" -l {}", n.substr(2)) : fmt::format(" -s {}", n.substr(1));
            if (o.kind == ValueKind::Choices)
                flags += fmt::format(" -x -a {}", shell_quoted(join(o.choices, " ")));
            else if (o.kind == ValueKind::Directory)
                flags += " -x -a '(__fish_complete_directories)'";
            else if (o.kind == ValueKind::File)
                flags += " -r -F";
            s += fmt::format("complete -c {} -n {}{} -d {}\n", program, when, flags, shell_quoted(o.description));
        }
    }
    return s;
}

} // namespace

std::string completion_script(const CLI::App& app, std::string_view shell) {
    std::vector<CommandModel> model;
    collect(app, "", {}, model);
    const std::string program = app.get_name();
    if (shell == "bash") return bash_script(model, program);
    if (shell == "zsh") return zsh_script(model, program);
    if (shell == "fish") return fish_script(model, program);
    throw Error(ErrorKind::Usage, fmt::format("no completion for shell '{}'", shell), "use bash, zsh or fish");
}

} // namespace photon_dct::cli
