#include <fmt/format.h>

#include "invocation.hpp"
#include "exit_codes.hpp"
#include "photon_dct/ops/restore.hpp"
#include "report.hpp"

namespace photon_dct::cli {
namespace {

struct RestoreOptions {
    TargetOptions target;
    std::string from;
    std::string only = "all";
    bool force = false;
    WriteFlags write;
};

nlohmann::json ranges_json(const std::vector<ops::NamedRange>& ranges) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& r : ranges) {
        nlohmann::json one{{"offset", r.offset}, {"length", r.length}, {"field", r.field}};
        if (r.differing) one["differing_bytes"] = r.differing;
        out.push_back(one);
    }
    return out;
}

int run_restore(const RestoreOptions& o, Invocation& invocation) {
    ops::RestoreRequest request;
    request.from = o.from;
    request.scope = ops::parse_restore_scope(o.only);
    request.force = o.force;
    request.write = write_options(o.write, invocation);

    auto target = make_target(o.target, invocation);
    const auto r = ops::restore(target, request);
    for (const auto& w : r.warnings) invocation.warn(w);

    if (invocation.json) {
        invocation.print_json_result(
            {{"source", r.source},
             {"unit", unit_json(r.unit)},
             {"from", r.from.string()},
             {"backup_sha256", r.backup_sha256},
             {"only", ops::restore_scope_name(r.scope)},
             {"backup_device_id", optional_json(r.backup_device_id)},
             {"unit_device_id", optional_json(r.unit.device_id)},
             {"unit_device_id_from", r.unit.device_id
                                         ? nlohmann::json(ops::device_id_source_name(r.unit_device_id_from))
                                         : nlohmann::json(nullptr)},
             {"forced", r.forced},
             {"regions", ranges_json(r.regions)},
             {"changes", ranges_json(r.changes)},
             {"write", write_json(r.write)}},
            kExitOk);
        return kExitOk;
    }
    std::string out = fmt::format("{}\nRestoring --only {} from {} (SHA-256 {})\n", escape_text(r.source),
                                  ops::restore_scope_name(r.scope), escape_text(r.from.string()), r.backup_sha256);
    out += fmt::format("  device:  backup {}, unit {}{}{}\n", escape_text(r.backup_device_id.value_or("(none)")),
                       escape_text(r.unit.device_id.value_or("(none)")),
                       !r.unit.device_id                                         ? ""
                       : r.unit_device_id_from == ops::DeviceIdSource::UsbSerial ? " (USB serial)"
                                                                                 : " (DCT device_id)",
                       r.forced ? " (--force)" : "");
    for (const auto& g : r.regions)
        out += fmt::format("  region:  {:<24} DCT {}..{}\n", g.field, g.offset, g.offset + g.length - 1);
    if (r.changes.empty()) {
        out += "  changes: none\n";
    } else {
        out += fmt::format("  {}:\n", r.write.dry_run ? "would change" : "changed");
        for (const auto& c : r.changes)
            out += fmt::format("    {:<28} DCT {:>5}..{:<5} ({} of {} bytes differ)\n", c.field, c.offset,
                               c.offset + c.length - 1, c.differing, c.length);
    }
    out += write_text(r.write, "The unit");
    fmt::print("{}", out);
    return kExitOk;
}

} // namespace

void register_restore(CLI::App& app, Invocation& invocation) {
    auto o = std::make_shared<RestoreOptions>();
    auto* cmd = app.add_subcommand(
        "restore",
        "write chosen regions of a backup of this unit back to it (diff shown; backup first, one write, verify)");
    add_target_options(*cmd, o->target, true);
    cmd->add_option("--from", o->from, "the backup image (from photon-dct backup; 4258 to 16384 bytes)")->required();
    cmd->add_option("--only", o->only,
                    "what to restore: server (server key + address blocks), device-key (device key pair(s)) or all "
                    "(DCT 0..8390); default all")
        ->check(CLI::IsMember({"server", "device-key", "all"}));
    cmd->add_flag("--force", o->force,
                  "restore even if the backup's device ID differs from the unit's (or is missing)");
    add_write_flags(*cmd, o->write);
    set_runner(*cmd, invocation, o, run_restore);
}

} // namespace photon_dct::cli
