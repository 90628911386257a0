// photon-dct: CLI11 wiring. Errors from the library are typed; they become exit codes here and
// nowhere else, and in --json mode they are the one JSON document on stdout.
#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/versions.hpp"
#include "unknown_command.hpp"

using photon_dct::Error;
using photon_dct::ErrorKind;
namespace cli = photon_dct::cli;

namespace {

int report_error(const cli::Invocation& invocation, ErrorKind kind, const std::string& message,
                 const std::string& hint) {
    const int code = cli::exit_code(kind);
    if (invocation.json) {
        nlohmann::json error{{"kind", cli::error_kind_name(kind)}, {"message", message}};
        if (!hint.empty()) error["hint"] = hint;
        invocation.print_json_error(error, code);
    } else {
        // Messages quote arguments, file names and device strings: escaped as a whole (one line each).
        fmt::print(stderr, "error: {}\n", photon_dct::escape_text(message));
        if (!hint.empty()) fmt::print(stderr, "hint: {}\n", photon_dct::escape_text(hint));
    }
    return code;
}

} // namespace

int main(int argc, char** argv) {
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
                           "--path), {} the default for --backup-dir; an option on the command line wins.\n"
                           "Reference, JSON fields and exit statuses: man photon-dct\n",
                           cli::kDeviceEnv, cli::kBackupDirEnv));

    cli::register_list(app, invocation);
    cli::register_inspect(app, invocation);
    cli::register_backup(app, invocation);
    cli::register_restore_server(app, invocation);
    cli::register_restore_device_key(app, invocation);
    cli::register_new_device_key(app, invocation);
    cli::register_export_public_key(app, invocation);
    cli::register_restore(app, invocation);
    cli::register_protocol(app, invocation);
    cli::register_verify(app, invocation);
    cli::register_provision(app, invocation);
    cli::register_bench(app, invocation);
    cli::register_completion(app, invocation);
    cli::register_dfu(app, invocation);

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        fmt::print("{}", app.help());
        return 0;
    } catch (const CLI::CallForAllHelp&) {
        fmt::print("{}", app.help("", CLI::AppFormatMode::All));
        return 0;
    } catch (const CLI::CallForVersion&) {
        const auto libraries = photon_dct::ops::library_versions();
        fmt::print("photon-dct {}\nlibusb {}\n{}\n", PHOTON_DCT_VERSION, libraries.libusb, libraries.openssl);
        return 0;
    } catch (const CLI::ParseError& e) {
        for (const auto* sub : app.get_subcommands()) invocation.command = sub->get_name();
        // CLI11 may fail before it has set the flag; --json still decides the error's form.
        for (int i = 1; i < argc; ++i) invocation.json = invocation.json || std::string_view(argv[i]) == "--json";
        if (invocation.command.empty())
            if (auto unknown = cli::find_unknown_command(app, std::vector<std::string>(argv + 1, argv + argc)))
                return report_error(invocation, ErrorKind::Usage, unknown->message, unknown->hint);
        return report_error(invocation, ErrorKind::Usage, e.what(),
                            "see `photon-dct --help` or `photon-dct COMMAND --help`");
    }
    try {
        return invocation.run();
    } catch (const Error& e) {
        return report_error(invocation, e.kind(), e.what(), e.hint());
    } catch (const std::exception& e) {
        return report_error(invocation, ErrorKind::Internal, fmt::format("unexpected failure: {}", e.what()),
                            "this is a bug in photon-dct; please report it with the command line you ran");
    }
}
