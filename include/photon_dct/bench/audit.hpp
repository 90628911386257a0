// The audit log: one JSON line per attempt (verify, provision, bench), failures included. Lines are
// appended with O_APPEND under an advisory lock (flock) and fsynced, so several processes can share
// one file and a crash leaves no partial line in the middle of others. A record never holds key
// material: public keys appear as a file name and a SHA-256 fingerprint only.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace photon_dct::bench {

enum class AuditResult { Written, AlreadyConforms, Conforms, Differs, Failed };
// "written", "already-conforms", "conforms", "differs", "failed"
std::string_view audit_result_name(AuditResult r);

struct AuditRecord {
    std::chrono::system_clock::time_point time = std::chrono::system_clock::now();
    std::string tool_version;
    std::string profile; // the profile's name
    std::string profile_sha256;
    std::string operator_name;
    std::string station; // host name
    std::string command; // "verify", "provision", "bench"
    std::optional<std::string> device_id;
    std::optional<std::string> platform;
    std::optional<std::string> usb_path;
    AuditResult result = AuditResult::Failed;
    int exit_code = 0;
    std::vector<std::string> findings; // finding codes
    std::vector<std::string> changed;  // DCT field names that were (or would be) written
    std::optional<std::string> dct_sha256_before;
    std::optional<std::string> dct_sha256_after;
    std::optional<std::string> backup;     // path of the backup made before the write
    std::optional<std::string> public_key; // path of the exported <deviceid>.pub.pem
    std::optional<std::string> public_key_sha256;
    std::int64_t duration_ms = 0;
    std::optional<std::string> error; // the error message when result is failed
};

// The record as one line of JSON (ending in '\n'); non-UTF-8 bytes are replaced, never copied.
std::string audit_line(const AuditRecord& record);

// Appends audit_line(record) to `log` (created 0640 if absent): one write under flock(LOCK_EX),
// then fsync. If the file does not end in a newline (a crash of an older writer), a newline is
// written first so this record stays a line of its own. Error(FileIo) when it cannot.
void append_audit_record(const std::filesystem::path& log, const AuditRecord& record);

// This machine's host name ("unknown" when it has none).
std::string station_name();

} // namespace photon_dct::bench
