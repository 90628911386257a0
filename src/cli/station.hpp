// What verify, provision and bench share: --profile and --operator, the Station every audit record
// of a run names, and the renderers of one unit's Attempt (a text line, a JSON object).
#pragma once

#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "invocation.hpp"
#include "photon_dct/bench/attempt.hpp"
#include "photon_dct/profile/profile.hpp"

namespace photon_dct::cli {

struct ProfileOptions {
    std::string profile;
    std::string operator_name;
};
void add_profile_options(CLI::App& cmd, ProfileOptions& options);

// The profile is loaded and validated here, before any unit is touched.
struct LoadedStation {
    profile::Profile profile;
    bench::Station station;
};
LoadedStation load_station(const ProfileOptions& options);

// "PASS <id> photon usb 1-2: server address restored, device key kept (0.7 s)", "SAME ...: already
// conforms", "FAIL ...: <reason> (backup ...)"; every device or file byte escaped.
std::string unit_line(const bench::Attempt& attempt);
nlohmann::json attempt_json(const bench::Attempt& attempt);
// The result of one verify/provision command: its unit line and findings (text) or one JSON
// document; returns the exit code. An attempt that failed with an error (USB, file, verify
// mismatch) is reported like any other error of the command (it is in the audit log already).
int render_attempt(const bench::Attempt& attempt, Invocation& invocation);
} // namespace photon_dct::cli
