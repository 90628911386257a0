#include "photon_dct/bench/attempt.hpp"

#include <chrono>

#include <fmt/format.h>

namespace photon_dct::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Opens the target (a unit that cannot be opened is a failed attempt too) and notes who it is.
void identify(Attempt& a, ops::Target& target) {
    auto& store = target.acquire();
    a.source = store.description();
    a.unit = ops::unit_info(store);
}

void failed(Attempt& a, const Station& station, const Error& e) {
    a.result = AuditResult::Failed;
    a.error_kind = e.kind();
    a.error_hint = e.hint();
    a.failure = e.what();
    a.exit_code = station.exit_codes.of_error ? station.exit_codes.of_error(e.kind()) : 1;
}

void take_check(Attempt& a, const ops::ProfileCheck& check) {
    a.unit = check.unit;
    a.findings = check.findings;
    a.record.dct_sha256_before = check.dct_sha256;
}

// Fills the record from the attempt and appends it to the profile's audit log.
void record(Attempt& a, const Station& station, Clock::time_point began) {
    a.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began).count();
    auto& r = a.record;
    r.tool_version = station.tool_version;
    r.profile = station.profile->name;
    r.profile_sha256 = station.profile->sha256;
    r.operator_name = station.operator_name;
    r.station = station.station;
    r.command = a.command;
    r.device_id = a.unit.device_id;
    r.platform = a.unit.platform_name();
    r.usb_path = a.unit.usb_path();
    r.result = a.result;
    r.exit_code = a.exit_code;
    for (const auto& f : a.findings) r.findings.push_back(f.code);
    r.duration_ms = a.duration_ms;
    if (a.result == AuditResult::Failed) r.error = a.failure;
    append_audit_record(station.profile->audit, r);
}

} // namespace

Attempt verify_unit(ops::Target& target, const Station& station) {
    const auto began = Clock::now();
    Attempt a;
    a.command = "verify";
    try {
        identify(a, target);
        const auto check = ops::verify(target, *station.profile);
        take_check(a, check);
        a.record.dct_sha256_after = check.dct_sha256;
        a.result = check.conforms() ? AuditResult::Conforms : AuditResult::Differs;
        a.exit_code = check.conforms() ? station.exit_codes.ok : station.exit_codes.findings;
    } catch (const Error& e) {
        failed(a, station, e);
    }
    record(a, station, began);
    return a;
}

Attempt provision_unit(ops::Target& target, const Station& station, const ops::ProvisionOptions& options,
                       const std::string& command) {
    const auto began = Clock::now();
    Attempt a;
    a.command = command;
    try {
        identify(a, target);
        auto r = ops::provision(target, *station.profile, options);
        take_check(a, r.before);
        a.actions = r.actions;
        a.record.changed = r.changed_fields;
        a.record.dct_sha256_after = r.dct_sha256_after;
        if (r.write && r.write->backup) a.record.backup = r.write->backup->string();
        if (r.public_key_path) a.record.public_key = r.public_key_path->string();
        a.record.public_key_sha256 = r.public_key_sha256;
        switch (r.outcome) {
        case ops::ProvisionOutcome::Written:
            a.result = AuditResult::Written;
            a.exit_code = station.exit_codes.ok;
            break;
        case ops::ProvisionOutcome::AlreadyConforms:
            a.result = AuditResult::AlreadyConforms;
            a.exit_code = station.exit_codes.ok;
            break;
        case ops::ProvisionOutcome::Failed:
            a.result = AuditResult::Failed;
            a.failure = r.failure;
            a.exit_code = station.exit_codes.unit_failed;
            break;
        }
        a.provision = std::move(r);
    } catch (const Error& e) {
        failed(a, station, e);
    }
    record(a, station, began);
    return a;
}

Attempt unit_failed(const Station& station, const std::string& command, const UnitIdentity& unit, const Error& error) {
    Attempt a;
    a.command = command;
    a.source = unit.source;
    a.unit = unit.unit;
    failed(a, station, error);
    try {
        record(a, station, Clock::now());
    } catch (const Error& e) {
        a.failure += fmt::format(" (not recorded: {})", e.what());
    }
    return a;
}

} // namespace photon_dct::bench
