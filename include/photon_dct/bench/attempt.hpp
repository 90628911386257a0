// One attempt on one unit (verify or provision against a profile), timed, caught and recorded in
// the audit log: what the `verify` and `provision` commands and every bench worker run. Prints
// nothing; the caller renders the Attempt.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "photon_dct/bench/audit.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/ops/provision.hpp"
#include "photon_dct/ops/target.hpp"
#include "photon_dct/ops/unit.hpp"
#include "photon_dct/profile/profile.hpp"

namespace photon_dct::bench {

// The exit statuses, from the CLI's one table (src/cli/exit_codes.cpp): the audit records them.
struct ExitCodes {
    int ok = 0;
    int findings = 0;    // verify: the unit differs from the profile
    int unit_failed = 0; // provision/bench: the unit could not be brought to the profile
    std::function<int(ErrorKind)> of_error;
};

// What every record of one run shares.
struct Station {
    const profile::Profile* profile = nullptr;
    std::string operator_name;
    std::string station = station_name();
    std::string tool_version;
    ExitCodes exit_codes;
};

struct Attempt {
    std::string command; // "verify", "provision", "bench"
    std::string source;  // the store's description
    ops::UnitInfo unit;  // who: device ID (USB serial first), platform, USB path (the JSON "unit" object)
    AuditResult result = AuditResult::Failed;
    int exit_code = 0;
    std::vector<ops::ProfileFinding> findings;
    std::vector<std::string> actions; // provision: "server address restored", "device key kept", ...
    std::string failure;              // why it failed (blocking finding or error message)
    std::optional<ErrorKind> error_kind;
    std::string error_hint;
    std::optional<ops::ProvisionResult> provision;
    std::int64_t duration_ms = 0;
    AuditRecord record; // as appended to the audit log
};

// verify: read only. Result conforms (exit ok) or differs (exit findings).
Attempt verify_unit(ops::Target& target, const Station& station);

// provision (or a bench worker, with command "bench"): written / already-conforms (ok) or failed.
Attempt provision_unit(ops::Target& target, const Station& station, const ops::ProvisionOptions& options,
                       const std::string& command = "provision");

// A unit that failed before any use-case ran (it could not be opened): recorded like the others.
// When the audit log itself cannot be written, the failure says so instead of throwing.
struct UnitIdentity {
    std::string source;
    ops::UnitInfo unit;
};
Attempt unit_failed(const Station& station, const std::string& command, const UnitIdentity& unit, const Error& error);

} // namespace photon_dct::bench
