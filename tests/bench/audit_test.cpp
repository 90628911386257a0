// The audit log writer: one valid JSON line per record, every field of issue 10, nothing raw from
// a device, and whole lines when several processes append to one file at once.
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "photon_dct/bench/audit.hpp"
#include "photon_dct/error.hpp"
#include "test_support.hpp"

namespace {

using photon_dct::bench::AuditRecord;
using photon_dct::bench::AuditResult;
namespace bench = photon_dct::bench;

AuditRecord sample() {
    AuditRecord r;
    r.time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1795000000123));
    r.tool_version = "0.1.0";
    r.profile = "private-cloud-production";
    r.profile_sha256 = std::string(64, 'a');
    r.operator_name = "ana";
    r.station = "bench-1";
    r.command = "provision";
    r.device_id = "3b0021001747353236343033";
    r.platform = "photon";
    r.usb_path = "1-2";
    r.result = AuditResult::Written;
    r.exit_code = 0;
    r.findings = {"server-address-blank"};
    r.changed = {"server_address"};
    r.dct_sha256_before = std::string(64, 'b');
    r.dct_sha256_after = std::string(64, 'c');
    r.backup = "backups/photon-3b00.dct";
    r.public_key = "device-keys/3b0021001747353236343033.pub.pem";
    r.public_key_sha256 = std::string(64, 'd');
    r.duration_ms = 712;
    return r;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

TEST(AuditLine, IsOneJsonLineWithEveryField) {
    const std::string line = bench::audit_line(sample());
    ASSERT_EQ(line.back(), '\n');
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    const auto doc = nlohmann::json::parse(line);
    EXPECT_EQ(doc["time"], "2026-11-18T11:06:40.123Z");
    EXPECT_EQ(doc["result"], "written");
    EXPECT_EQ(doc["operator"], "ana");
    EXPECT_EQ(doc["device_id"], "3b0021001747353236343033");
    EXPECT_EQ(doc["changed"], nlohmann::json::array({"server_address"}));
    EXPECT_EQ(doc["duration_ms"], 712);
    EXPECT_TRUE(doc["error"].is_null());
    for (const char* field :
         {"time",        "tool_version", "profile",           "profile_sha256",   "operator", "station",
          "command",     "device_id",    "platform",          "usb_path",         "result",   "exit_code",
          "findings",    "changed",      "dct_sha256_before", "dct_sha256_after", "backup",   "public_key",
          "duration_ms", "error"})
        EXPECT_TRUE(doc.contains(field)) << field;
}

TEST(AuditLine, ResultNamesAreTheDocumentedOnes) {
    EXPECT_EQ(bench::audit_result_name(AuditResult::Written), "written");
    EXPECT_EQ(bench::audit_result_name(AuditResult::AlreadyConforms), "already-conforms");
    EXPECT_EQ(bench::audit_result_name(AuditResult::Conforms), "conforms");
    EXPECT_EQ(bench::audit_result_name(AuditResult::Differs), "differs");
    EXPECT_EQ(bench::audit_result_name(AuditResult::Failed), "failed");
}

TEST(AuditLine, DeviceBytesAreEscapedNeverRaw) {
    AuditRecord r = sample();
    r.result = AuditResult::Failed;
    r.error = std::string("host \x1b[31m\n\xff\xfe evil");
    const std::string line = bench::audit_line(r);
    EXPECT_EQ(line.find('\n'), line.size() - 1);
    for (const char c : line.substr(0, line.size() - 1)) {
        const auto u = static_cast<unsigned char>(c);
        EXPECT_TRUE(u >= 0x20 && u < 0x7f) << "raw byte " << int(u);
    }
    EXPECT_NE(nlohmann::json::parse(line)["error"].get<std::string>().find("evil"), std::string::npos);
}

TEST(AuditLog, AppendsAndNeverJoinsALineToAPartialOne) {
    test_support::TempDir dir("audit-test");
    const auto log = dir / "audit.jsonl";
    bench::append_audit_record(log, sample());
    // A writer that crashed mid-line leaves text without a newline.
    {
        std::ofstream out(log, std::ios::app);
        out << "{\"time\":\"2026-";
    }
    bench::append_audit_record(log, sample());
    const auto lines = lines_of(test_support::read_text(log));
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_TRUE(nlohmann::json::accept(lines[0]));
    EXPECT_FALSE(nlohmann::json::accept(lines[1]));
    EXPECT_TRUE(nlohmann::json::accept(lines[2]));
}

TEST(AuditLog, UnwritablePlaceIsAFileError) {
    test_support::TempDir dir("audit-test");
    try {
        bench::append_audit_record(dir / "missing-dir" / "audit.jsonl", sample());
        FAIL() << "appended to a file in a missing directory";
    } catch (const photon_dct::Error& e) {
        EXPECT_EQ(e.kind(), photon_dct::ErrorKind::FileIo);
        EXPECT_NE(std::string(e.what()).find("audit.jsonl"), std::string::npos);
    }
}

TEST(AuditLog, SeveralProcessesAppendWholeLines) {
    test_support::TempDir dir("audit-test");
    const auto log = dir / "audit.jsonl";
    constexpr int kProcesses = 8;
    constexpr int kRecords = 40;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int status = 0;
            try {
                for (int i = 0; i < kRecords; ++i) {
                    AuditRecord r = sample();
                    r.device_id = std::to_string(p) + "-" + std::to_string(i);
                    // Long enough that a torn write would show: several KiB per line.
                    r.error = std::string(4000 + 100 * p, 'x');
                    bench::append_audit_record(log, r);
                }
            } catch (...) {
                status = 1;
            }
            ::_exit(status);
        }
        children.push_back(pid);
    }
    for (const pid_t pid : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, 0), pid);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    const auto lines = lines_of(test_support::read_text(log));
    ASSERT_EQ(lines.size(), static_cast<std::size_t>(kProcesses * kRecords));
    std::map<std::string, int> seen;
    for (const auto& line : lines) {
        const auto doc = nlohmann::json::parse(line); // throws on a torn or joined line
        ++seen[doc["device_id"].get<std::string>()];
    }
    EXPECT_EQ(seen.size(), static_cast<std::size_t>(kProcesses * kRecords));
    for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id;
}

} // namespace
