// Issue 8: after a verified write on a unit, a failed --leave says "the write succeeded and was
// verified", names the backup and exits 13; SIGTERM during the write lets the write and its
// read-back finish, then stops with 143 and the same message (one JSON document under --json).
#include "e2e_support.hpp"

#include <chrono>
#include <csignal>
#include <thread>

namespace {

using namespace e2e;

std::vector<std::string> restore_server(const fs::path& backups) {
    return dct({"restore-server", "--pem", (kData / "private-cloud-server.pub.pem").string(), "--host",
                "cloud.example.com", "--backup-dir", backups.string()});
}

EmuOptions field_failure_unit() {
    EmuOptions o;
    o.dct = kData / "field-failure-photon-0.6.3.dct";
    return o;
}

TEST(AfterVerifiedWrite, FailedLeaveSaysTheWriteSucceeded) {
    TempDir work;
    auto o = field_failure_unit();
    o.faults = {"Error:Leave"};
    for (const bool as_json : {false, true}) {
        const fs::path backups = work.path() / (as_json ? "json" : "text");
        fs::create_directory(backups);
        auto args = restore_server(backups);
        args.push_back("--leave");
        if (as_json) args.insert(args.begin() + 1, "--json");
        const auto e = emu_run(o, args, work.path());
        EXPECT_EQ(e.r.exit_code, 13) << e.r.describe();
        const auto backup = files_in(backups);
        ASSERT_EQ(backup.size(), 1u) << e.r.describe();
        const std::string text = as_json ? e.r.out : e.r.err;
        EXPECT_NE(text.find("the write succeeded and was verified"), std::string::npos) << e.r.describe();
        EXPECT_NE(text.find(backup.front().filename().string()), std::string::npos) << e.r.describe();
        EXPECT_NE(e.dump(), read_file(kData / "field-failure-photon-0.6.3.dct")); // the new DCT is there
        if (as_json) {
            const auto doc = parse_one_json(e.r.out);
            EXPECT_EQ(doc["exit_code"], 13);
            EXPECT_EQ(doc["error"]["kind"], "failed-after-write");
            EXPECT_EQ(doc["error"]["write_verified"], true);
            EXPECT_EQ(doc["error"]["backup"], backup.front().string());
        }
    }
}

// Runs `command` under the emulator holding the field failure, whose flash stays busy 3 s after a
// data write, and sends `signal` once photon-dct's stderr shows `marker` (the write has started).
RunResult signal_during_write(const std::vector<std::string>& command, const fs::path& work, const fs::path& dump,
                              int signal, const std::string& marker) {
    std::vector<std::string> argv{kEmu,     "--dct",       (kData / "field-failure-photon-0.6.3.dct").string(),
                                  "--dump", dump.string(), "--poll-ms",
                                  "3000",   "--"};
    argv.insert(argv.end(), command.begin(), command.end());
    return run_and_signal(argv, work, signal, marker);
}

TEST(StopSignals, SigtermDuringTheWriteFinishesWriteAndVerifyThenStops) {
    TempDir work;
    const fs::path backups = work.path() / "b";
    fs::create_directory(backups);
    const auto r =
        signal_during_write(restore_server(backups), work.path(), work.path() / "dump", SIGTERM, "writing 512 bytes");
    EXPECT_EQ(r.exit_code, 143) << r.describe();
    EXPECT_NE(r.err.find("the write succeeded and was verified"), std::string::npos) << r.describe();
    const auto backup = files_in(backups);
    ASSERT_EQ(backup.size(), 1u) << r.describe();
    EXPECT_NE(r.err.find(backup.front().filename().string()), std::string::npos) << r.describe();
    // The write was not cut: the dumped DCT is the repaired one, whole.
    const auto dump = read_file(work.path() / "dump");
    const auto after = run(dct({"inspect", "--file", (work.path() / "dump").string()}), work.path());
    EXPECT_EQ(after.exit_code, 0) << after.describe();
    EXPECT_EQ(dump.size(), 16384u);
}

TEST(StopSignals, SigintDuringTheWriteUnderJsonIsOneDocument) {
    TempDir work;
    const fs::path backups = work.path() / "b";
    fs::create_directory(backups);
    auto args = restore_server(backups);
    args.insert(args.begin() + 1, "--json");
    // Under --json there is no progress on stderr: --trace-usb logs the data download (block 2).
    args.insert(args.begin() + 1, "--trace-usb");
    const auto r = signal_during_write(args, work.path(), work.path() / "dump", SIGINT, "DNLOAD wValue=2 ");
    EXPECT_EQ(r.exit_code, 130) << r.describe();
    const auto doc = parse_one_json(r.out);
    EXPECT_EQ(doc["exit_code"], 130);
    EXPECT_EQ(doc["error"]["kind"], "interrupted");
    EXPECT_EQ(doc["error"]["write_verified"], true);
    EXPECT_TRUE(doc["error"]["backup"].is_string()) << r.out;
}

} // namespace
