#include "station.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "exit_codes.hpp"
#include "photon_dct/text.hpp"
#include "report.hpp"

namespace photon_dct::cli {
void add_profile_options(CLI::App& cmd, ProfileOptions& options) {
    // Required, but a bench may set it once in the environment (CLI11 reads the variable before it
    // checks required options, and only when the option is absent).
    cmd.add_option("--profile", options.profile, "the provisioning profile (TOML), see photon-dct(1) PROFILES")
        ->envname(kProfileEnv)
        ->required();
    cmd.add_option("--operator", options.operator_name,
                   "who runs the station, recorded in the audit log (default: $USER)");
}

LoadedStation load_station(const ProfileOptions& options) {
    LoadedStation s{profile::load_profile(options.profile), {}};
    s.station.profile = &s.profile;
    s.station.operator_name = options.operator_name;
    if (s.station.operator_name.empty())
        if (const char* user = std::getenv("USER")) s.station.operator_name = user;
    s.station.tool_version = PHOTON_DCT_VERSION;
    s.station.exit_codes = {kExitOk, kExitFindings, kExitUnitFailed, exit_code};
    return s;
}

std::string unit_line(const bench::Attempt& a) {
    const auto usb_path = a.unit.usb_path();
    const std::string who =
        fmt::format("{} {} {}", escape_text(a.unit.device_id.value_or("unknown")), a.unit.platform_name(),
                    usb_path ? "usb " + escape_text(*usb_path) : escape_text(a.source));
    const double seconds = static_cast<double>(a.duration_ms) / 1000.0;
    switch (a.result) {
    case bench::AuditResult::Written: {
        std::string actions;
        for (const auto& action : a.actions) actions += (actions.empty() ? "" : ", ") + action;
        return fmt::format("PASS {}: {} ({:.1f} s)", who, escape_text(actions), seconds);
    }
    case bench::AuditResult::AlreadyConforms:
        return fmt::format("SAME {}: already conforms ({:.1f} s)", who, seconds);
    case bench::AuditResult::Conforms:
        return fmt::format("OK   {}: conforms ({:.1f} s)", who, seconds);
    case bench::AuditResult::Differs:
        return fmt::format("DIFF {}: {} difference{} ({:.1f} s)", who, a.findings.size(),
                           a.findings.size() == 1 ? "" : "s", seconds);
    case bench::AuditResult::Failed:
        break;
    }
    return fmt::format("FAIL {}: {}{} ({:.1f} s)", who, escape_text(a.failure),
                       a.record.backup ? " (backup " + escape_text(*a.record.backup) + ")" : "", seconds);
}

nlohmann::json attempt_json(const bench::Attempt& a) {
    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : a.findings)
        findings.push_back(
            {{"code", f.code}, {"field", text_or_null(f.field)}, {"message", f.message}, {"blocking", f.blocking}});
    const auto& r = a.record;
    return {{"source", a.source},
            {"unit", unit_json(a.unit)},
            {"device_id", optional_json(a.unit.device_id)},
            {"platform", text_or_null(a.unit.platform_name())},
            {"usb_path", optional_json(a.unit.usb_path())},
            {"result", bench::audit_result_name(a.result)},
            {"exit_code", a.exit_code},
            {"findings", findings},
            {"actions", a.actions},
            {"changed", r.changed},
            {"failure", a.result == bench::AuditResult::Failed ? nlohmann::json(a.failure) : nlohmann::json(nullptr)},
            {"error_kind", a.error_kind ? nlohmann::json(error_kind_name(*a.error_kind)) : nlohmann::json(nullptr)},
            {"dct_sha256_before", optional_json(r.dct_sha256_before)},
            {"dct_sha256_after", optional_json(r.dct_sha256_after)},
            {"backup", optional_json(r.backup)},
            {"public_key", optional_json(r.public_key)},
            {"public_key_sha256", optional_json(r.public_key_sha256)},
            {"duration_ms", a.duration_ms}};
}

int render_attempt(const bench::Attempt& a, Invocation& invocation) {
    if (a.error_kind) throw Error(*a.error_kind, a.failure, a.error_hint);
    if (invocation.json) {
        invocation.print_json_result(attempt_json(a), a.exit_code);
        return a.exit_code;
    }
    fmt::print("{}\n", unit_line(a));
    if (a.result == bench::AuditResult::Differs || a.result == bench::AuditResult::Failed)
        for (const auto& f : a.findings) fmt::print("  {}: {}\n", f.code, escape_text(f.message));
    return a.exit_code;
}

} // namespace photon_dct::cli
