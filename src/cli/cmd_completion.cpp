#include <fmt/format.h>

#include "completion.hpp"
#include "invocation.hpp"
#include "exit_codes.hpp"

namespace photon_dct::cli {
namespace {

struct CompletionOptions {
    const CLI::App* root = nullptr; // the whole command line, read when the script is generated
    std::string shell;
};

int run_completion(const CompletionOptions& o, Invocation& invocation) {
    const std::string script = completion_script(*o.root, o.shell);
    if (invocation.json)
        invocation.print_json_result({{"shell", o.shell}, {"script", script}}, kExitOk);
    else
        fmt::print("{}", script);
    return kExitOk;
}

} // namespace

void register_completion(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<CompletionOptions>();
    o->root = &app;
    auto* cmd = app.add_subcommand("completion", "print the shell completion script for bash, zsh or fish (e.g. "
                                                 "photon-dct completion bash > ~/.local/share/bash-completion/"
                                                 "completions/photon-dct)");
    cmd->add_option("shell", o->shell, "the shell")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
    set_runner(*cmd, invocation, o, run_completion);
}

} // namespace photon_dct::cli
