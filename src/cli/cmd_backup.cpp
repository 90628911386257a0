#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/inspect.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct BackupOptions {
    TargetOptions target;
    std::string output;
};

int run_backup(const BackupOptions& o, Invocation& invocation) {
    ops::BackupRequest request;
    if (!o.output.empty()) request.output = o.output;
    auto target = make_target(o.target, invocation);
    const auto r = ops::backup(target, request);
    if (invocation.json) {
        invocation.print_json_result({{"source", r.source},
                                      {"unit", unit_json(r.unit)},
                                      {"path", r.path.string()},
                                      {"size", r.size},
                                      {"sha256", r.sha256}},
                                     kExitOk);
    } else {
        fmt::print("Saved {} bytes of {} to {} (mode 0600), SHA-256 {}\n", r.size, escape_text(r.source),
                   escape_text(r.path.string()), r.sha256);
    }
    return kExitOk;
}

} // namespace

void register_backup(CLI::App& app, Invocation& invocation) {
    auto options = std::make_shared<BackupOptions>();
    auto* cmd =
        app.add_subcommand("backup", "save the whole 16 KiB DCT window of a unit (or a copy of an image) to a file");
    add_target_options(*cmd, options->target, true);
    cmd->add_option("-o,--output", options->output,
                    "file to create (never overwritten); default for a unit: PLATFORM-DEVICEID-UTCTIME.dct in "
                    "--backup-dir, for --file: IMAGE.backup-UTCTIME.dct beside it");
    set_runner(*cmd, invocation, options, run_backup);
}

} // namespace photon_dct::cli
