// photon-dct: CLI11 wiring. Errors from the library are typed; they become exit codes here and
// nowhere else, and in --json mode they are the one JSON document on stdout.
#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include <fmt/format.h>

#include "photon_dct/keys/key.hpp"
#include "photon_dct/signals.hpp"

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/versions.hpp"
#include "unknown_command.hpp"

using photon_dct::Error;
using photon_dct::ErrorKind;
namespace cli = photon_dct::cli;

namespace {

// SIGINT and SIGTERM only record the signal: the library stops at its next safe point, never
// between a write and its read-back (photon_dct/signals.hpp).
void on_stop_signal(int signal) { photon_dct::note_stop_signal(signal); }

void install_stop_signal_handlers() {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART; // a USB transfer or file write in progress carries on
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    // A caller may start us with them blocked; one already pending is recorded now.
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_UNBLOCK, &stop, nullptr);
}

// After a verified write every failure says so and names the backup, with its own exit code
// (failed-after-write) unless a signal stopped the run; a signal says nothing was written.
int report_error(cli::Invocation& invocation, ErrorKind kind, std::string message, const std::string& hint) {
    if (const auto& backup = invocation.verified_write_backup) {
        if (!is_stop(kind)) kind = ErrorKind::FailedAfterWrite;
        message = fmt::format("the write succeeded and was verified, but then: {} (the DCT as it was before is "
                              "saved in {})",
                              message, backup->string());
    } else if (is_stop(kind)) {
        message += "; nothing was written";
    }
    const int code = cli::exit_code(kind);
    try {
        if (invocation.json && !invocation.json_printed) {
            nlohmann::json error{{"kind", cli::error_kind_name(kind)}, {"message", message}};
            if (!hint.empty()) error["hint"] = hint;
            error["write_verified"] = invocation.verified_write_backup.has_value();
            error["backup"] = invocation.verified_write_backup
                                  ? nlohmann::json(invocation.verified_write_backup->string())
                                  : nlohmann::json(nullptr);
            error["unit"] = invocation.unit;
            invocation.print_json_error(error, code);
        } else {
            // Messages quote arguments, file names and device strings: escaped as a whole (one line each).
            fmt::print(stderr, "error: {}\n", photon_dct::escape_text(message));
            if (!hint.empty()) fmt::print(stderr, "hint: {}\n", photon_dct::escape_text(hint));
        }
    } catch (const std::exception&) {
        // The output itself failed: finish() reports it.
    }
    return code;
}

// Writes help or version text; a failure is left to finish().
void print_out(const std::string& text) {
    try {
        fmt::print("{}", text);
    } catch (const std::exception&) {}
}

// Standard output is flushed before exiting; a failed write (a full disk, /dev/full) is an error
// on stderr, and never exit status 0.
int finish(cli::Invocation& invocation, int code) {
    const bool flushed = std::fflush(stdout) == 0;
    if (flushed && !std::ferror(stdout)) return code;
    const std::string why = flushed ? "write error" : std::strerror(errno);
    invocation.json = false; // stdout is gone: the message goes to stderr
    return report_error(invocation, ErrorKind::FileIo, "cannot write the output to standard output: " + why,
                        "check the disk or pipe that standard output goes to");
}

// Every command, in the order `photon-dct --help` lists them.
struct Command {
    const char* name;
    void (*define)(CLI::App&, cli::Invocation&);
};
constexpr Command kCommands[] = {
    {"list", cli::register_list},
    {"inspect", cli::register_inspect},
    {"backup", cli::register_backup},
    {"restore-server", cli::register_restore_server},
    {"restore-device-key", cli::register_restore_device_key},
    {"new-device-key", cli::register_new_device_key},
    {"export-public-key", cli::register_export_public_key},
    {"restore", cli::register_restore},
    {"protocol", cli::register_protocol},
    {"verify", cli::register_verify},
    {"provision", cli::register_provision},
    {"bench", cli::register_bench},
    {"completion", cli::register_completion},
    {"dfu", cli::register_dfu},
};

} // namespace

int main(int argc, char** argv) {
    install_stop_signal_handlers();
    cli::Invocation invocation;
    CLI::App app{"photon-dct: inspect and repair the cloud settings (DCT) of Particle Photon, P1 and Electron units",
                 "photon-dct"};
    app.set_version_flag("--version", PHOTON_DCT_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    app.add_flag("--json", invocation.json, "print exactly one JSON document on stdout (results and errors)");
    app.add_flag("-q,--quiet", invocation.quiet, "no progress messages on stderr");
    app.add_flag("--trace-usb", invocation.trace_usb, "log every DFU request on stderr");
    app.footer(fmt::format("Environment: {} is the default for --device (a unit on USB; ignored with --file or "
                           "--path), {} the default for --backup-dir, {} the default for --profile (verify, "
                           "provision, bench); an option on the command line wins.\n"
                           "Reference, JSON fields and exit statuses: man photon-dct\n",
                           cli::kDeviceEnv, cli::kBackupDirEnv, cli::kProfileEnv));

    // Only the command on the command line is defined: CLI11 builds every option of every command it
    // is given, 0.3 ms of each run (issue 9: host time). Help, completion scripts and the "unknown
    // command" hint list all commands, so without a known command word all are defined.
    const auto word = cli::command_word(app, std::vector<std::string>(argv + 1, argv + argc));
    const auto named = std::find_if(std::begin(kCommands), std::end(kCommands),
                                    [&](const Command& c) { return word && *word == c.name; });
    if (named != std::end(kCommands) && std::string_view(named->name) != "completion")
        named->define(app, invocation);
    else
        for (const Command& c : kCommands) c.define(app, invocation);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        print_out(app.help());
        return finish(invocation, 0);
    } catch (const CLI::CallForAllHelp&) {
        print_out(app.help("", CLI::AppFormatMode::All));
        return finish(invocation, 0);
    } catch (const CLI::CallForVersion&) {
        const auto libraries = photon_dct::ops::library_versions();
        print_out(
            fmt::format("photon-dct {}\nlibusb {}\n{}\n", PHOTON_DCT_VERSION, libraries.libusb, libraries.openssl));
        return finish(invocation, 0);
    } catch (const CLI::ParseError& e) {
        for (const auto* sub : app.get_subcommands()) invocation.command = sub->get_name();
        // CLI11 may fail before it has set the flag; --json still decides the error's form.
        for (int i = 1; i < argc; ++i) invocation.json = invocation.json || std::string_view(argv[i]) == "--json";
        if (invocation.command.empty())
            if (auto unknown = cli::find_unknown_command(app, std::vector<std::string>(argv + 1, argv + argc)))
                return finish(invocation, report_error(invocation, ErrorKind::Usage, unknown->message, unknown->hint));
        return finish(invocation, report_error(invocation, ErrorKind::Usage, e.what(),
                                               "see `photon-dct --help` or `photon-dct COMMAND --help`"));
    }
    int code = 0;
    try {
        photon_dct::keys::initialize();
        code = invocation.run();
        // A signal during a command that printed text: its result is out, the run still stops.
        if (!invocation.json_printed) photon_dct::stop_if_signalled("after the command finished");
    } catch (const Error& e) {
        code = report_error(invocation, e.kind(), e.what(), e.hint());
    } catch (const std::exception& e) {
        if (!std::ferror(stdout)) // an output write error is reported by finish()
            code = report_error(invocation, ErrorKind::Internal, fmt::format("unexpected failure: {}", e.what()),
                                "this is a bug in photon-dct; please report it with the command line you ran");
    }
    return finish(invocation, code);
}
