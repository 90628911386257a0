// Issue 3, "A fault matrix for restore-server": a fault at each step of the write sequence leaves
// the emulated DCT either exactly as before or exactly with the new block; a failure exits
// non-zero with a message that names it; a backup exists whenever a write was attempted.
#include "e2e_support.hpp"

#include <mutex>

namespace e2e {
namespace {

enum class Step { FirstSetAddress, DataDownload, StatusAfterData, ReadBackUpload, FirstUpload };

const char* step_name(Step s) {
    switch (s) {
    case Step::FirstSetAddress:
        return "FirstSetAddress";
    case Step::DataDownload:
        return "DataDownload";
    case Step::StatusAfterData:
        return "StatusAfterData";
    case Step::ReadBackUpload:
        return "ReadBackUpload";
    case Step::FirstUpload:
        return "FirstUpload";
    }
    return "?";
}

struct Case {
    std::string kind; // the emulator's fault kind
    Step step;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.kind << " on " << step_name(c.step); }

std::vector<std::string> restore_server_cmd(const fs::path& backups) {
    return dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com", "--port", "5683",
                "--backup-dir", backups.string()});
}

// Where the steps are in a fault-free run: the emulator's fault N ("nth matching request") for the
// GETSTATUS right after the data download and for the first UPLOAD after it (the read-back).
struct Baseline {
    unsigned status_after_data = 0;
    unsigned readback_upload = 0;
    std::string transcript;
};

const Baseline& baseline() {
    static Baseline b;
    static std::once_flag once;
    std::call_once(once, [] {
        TempDir tmp;
        EmuOptions o;
        o.dct = kFieldFailure;
        const auto e = emu_run(o, restore_server_cmd(tmp.dir("b")), tmp.path());
        b.transcript = transcript_text(e.transcript);
        if (e.r.exit_code != 0) return;
        unsigned statuses = 0, uploads = 0;
        bool after = false;
        for (const auto& x : e.transcript) {
            const auto name = x.value("name", std::string());
            if (!after && is_data_download(x)) {
                after = true;
                continue;
            }
            if (name == "GETSTATUS") {
                ++statuses;
                if (after && b.status_after_data == 0) b.status_after_data = statuses;
            }
            if (name == "UPLOAD") {
                ++uploads;
                if (after && b.readback_upload == 0) b.readback_upload = uploads;
            }
        }
    });
    return b;
}

std::string fault_spec(const Case& c) {
    switch (c.step) {
    case Step::FirstSetAddress:
        return c.kind + ":set-address:1";
    case Step::DataDownload:
        return c.kind + ":dnload-data:1";
    case Step::StatusAfterData:
        return c.kind + ":getstatus:" + std::to_string(baseline().status_after_data);
    case Step::ReadBackUpload:
        return c.kind + ":upload:" + std::to_string(baseline().readback_upload);
    case Step::FirstUpload:
        return c.kind + ":upload:1";
    }
    return "";
}

class RestoreServerFault : public ::testing::TestWithParam<Case> {};

TEST(RestoreServerFaultBaseline, FaultFreeRunHasOneDataDownloadThenStatusThenReadBack) {
    const auto& b = baseline();
    ASSERT_GT(b.status_after_data, 0u) << b.transcript;
    ASSERT_GT(b.readback_upload, 0u) << b.transcript;
}

TEST_P(RestoreServerFault, DctIsOldOrNewNeverElseAndFailureIsReported) {
    const auto& c = GetParam();
    const auto& b = baseline();
    ASSERT_GT(b.status_after_data, 0u) << "baseline run failed:\n" << b.transcript;
    ASSERT_GT(b.readback_upload, 0u) << b.transcript;

    TempDir tmp;
    const auto backups = tmp.dir("backups");
    const auto original = window(read_file(kFieldFailure));
    const auto repaired = image_with(original, 2082, tcp_server_block(server_key_der(), "cloud.example.com", 5683u));
    EmuOptions o;
    o.dct = kFieldFailure;
    o.faults = {fault_spec(c)};
    const auto e = emu_run(o, restore_server_cmd(backups), tmp.path());
    const std::string context =
        "fault " + o.faults[0] + "\n" + e.r.describe() + "--- transcript ---\n" + transcript_text(e.transcript);

    // The fault must actually have fired, at the intended step, or the case tests nothing.
    std::optional<std::size_t> fired;
    for (std::size_t i = 0; i < e.transcript.size(); ++i)
        if (!e.transcript[i].value("fault", std::string()).empty() && !fired) fired = i;
    ASSERT_TRUE(fired) << context;
    const auto& hit = e.transcript[*fired];
    switch (c.step) {
    case Step::FirstSetAddress:
        EXPECT_EQ(hit.value("data", std::string()).substr(0, 2), "21") << context;
        break;
    case Step::DataDownload:
        EXPECT_TRUE(is_data_download(hit)) << context;
        break;
    case Step::StatusAfterData:
        ASSERT_GT(*fired, 0u);
        EXPECT_EQ(hit.value("name", std::string()), "GETSTATUS") << context;
        EXPECT_TRUE(is_data_download(e.transcript[*fired - 1])) << context;
        break;
    case Step::ReadBackUpload:
    case Step::FirstUpload: {
        EXPECT_EQ(hit.value("name", std::string()), "UPLOAD") << context;
        bool written_before = false;
        for (std::size_t i = 0; i < *fired; ++i)
            if (is_data_download(e.transcript[i])) written_before = true;
        EXPECT_EQ(written_before, c.step == Step::ReadBackUpload) << context;
        break;
    }
    }

    ASSERT_EQ(e.dumps.size(), 1u) << context;
    const bool is_old = e.dump() == original;
    const bool is_new = e.dump() == repaired;
    EXPECT_TRUE(is_old || is_new) << "DCT is neither the original nor the repaired image; first difference from the "
                                     "original at "
                                  << diff_offsets(original, e.dump()).front() << "\n"
                                  << context;
    if (e.r.exit_code == 0) {
        EXPECT_TRUE(is_new) << "exit 0 but the DCT does not hold the new block\n" << context;
    } else {
        // A failure is reported in words, as a typed error (not a crash, an internal error or a usage error).
        const auto at = e.r.err.find("error: ");
        ASSERT_NE(at, std::string::npos) << context;
        const auto line = e.r.err.substr(at + 7, e.r.err.find('\n', at) - at - 7);
        EXPECT_GE(line.size(), 10u) << context;
        EXPECT_TRUE(e.r.exit_code == 3 || e.r.exit_code == 5 || e.r.exit_code == 6)
            << "expected 3 (device gone), 5 (USB/DFU error) or 6 (verify mismatch)\n"
            << context;
    }
    if (data_downloads(e.transcript) > 0) {
        const auto files = files_in(backups);
        ASSERT_EQ(files.size(), 1u) << "a write was attempted without exactly one backup\n" << context;
        EXPECT_EQ(read_file(files[0]), original) << context;
        EXPECT_EQ(file_mode(files[0]), 0600u);
    }
    EXPECT_EQ(erases(e.transcript), 0u) << context;
}

// A short UPLOAD block while reading the 16 KiB DCT window is a transfer failure (the memory layout
// says the window is 16 KiB and readable): it must not be taken for the end of the DCT.
TEST(ShortReadOfWindow, BackupFailsInsteadOfSavingATruncatedFile) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    o.faults = {"short-read:upload:1"};
    const auto out = tmp / "backup.dct";
    const auto e = emu_run(o, dct({"backup", "-o", out.string()}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 5) << e.r.describe();
    EXPECT_NE(e.r.err.find("error: "), std::string::npos) << e.r.describe();
    if (fs::exists(out)) {
        EXPECT_EQ(read_file(out).size(), 16384u) << "a truncated backup was saved\n" << e.r.describe();
    }
}

TEST(ShortReadOfWindow, RestoreServerDoesNotWriteAfterATruncatedRead) {
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    EmuOptions o;
    o.dct = kFieldFailure;
    o.faults = {"short-read:upload:4"}; // the last 4096-byte block of the first read of the window
    const auto e = emu_run(o, restore_server_cmd(backups), tmp.path());
    EXPECT_EQ(e.r.exit_code, 5) << e.r.describe();
    EXPECT_EQ(data_downloads(e.transcript), 0u) << "wrote after reading a truncated window\n" << e.r.describe();
    for (const auto& f : files_in(backups)) EXPECT_EQ(read_file(f).size(), 16384u) << "truncated backup " << f;
    EXPECT_TRUE(e.dump() == window(read_file(kFieldFailure))) << "the DCT was changed";
}

// After a stall the error says what the bootloader said in its first GETSTATUS of the recovery, in
// words (issue 7): the emulator's stalled DNLOAD leaves it in dfuERROR with errSTALLEDPKT
// (docs/dfu-protocol.md §3.1). Text and --json runs carry the same words.
TEST(StallInWords, ErrorCarriesTheBootloadersStateAndStatus) {
    for (const bool as_json : {false, true}) {
        TempDir tmp;
        EmuOptions o;
        o.dct = kFieldFailure;
        o.faults = {"stall:dnload-data:1"};
        auto args = restore_server_cmd(tmp.dir("backups"));
        if (as_json) args.insert(args.begin() + 1, "--json");
        const auto e = emu_run(o, args, tmp.path());
        EXPECT_EQ(e.r.exit_code, 5) << e.r.describe();
        std::string message;
        if (as_json) {
            const json doc = parse_one_json(e.r.out);
            EXPECT_EQ(doc["error"]["kind"], "dfu-protocol") << doc.dump();
            EXPECT_EQ(doc["error"]["unit"]["device_id"], kSerial) << doc.dump(); // the unit that failed
            EXPECT_EQ(doc["error"]["unit"]["mode"], "dfu") << doc.dump();
            message = doc["error"]["message"].get<std::string>();
        } else {
            message = e.r.err;
        }
        EXPECT_NE(message.find("(stall) [dfuERROR, errSTALLEDPKT]"), std::string::npos) << e.r.describe();
        EXPECT_TRUE(e.dump() == window(read_file(kFieldFailure))) << "the DCT was changed\n" << e.r.describe();
    }
}

// Timeout cases cost the tool's 5 s transfer timeout each: only two of them.
INSTANTIATE_TEST_SUITE_P(
    Steps, RestoreServerFault,
    ::testing::Values(Case{"stall", Step::FirstSetAddress}, Case{"error", Step::FirstSetAddress},
                      Case{"disconnect", Step::FirstSetAddress}, Case{"stall", Step::DataDownload},
                      Case{"error", Step::DataDownload}, Case{"timeout", Step::DataDownload},
                      Case{"disconnect", Step::DataDownload}, Case{"disconnect-after", Step::DataDownload},
                      Case{"reset", Step::DataDownload}, Case{"stall", Step::StatusAfterData},
                      Case{"error", Step::StatusAfterData}, Case{"timeout", Step::StatusAfterData},
                      Case{"disconnect", Step::StatusAfterData}, Case{"stall", Step::ReadBackUpload},
                      Case{"error", Step::ReadBackUpload}, Case{"disconnect", Step::ReadBackUpload},
                      Case{"short-read", Step::FirstUpload}, Case{"short-read", Step::ReadBackUpload}),
    [](const ::testing::TestParamInfo<Case>& p) {
        std::string kind;
        for (char ch : p.param.kind)
            if (ch != '-') kind += ch;
        return kind + "_" + step_name(p.param.step);
    });

} // namespace
} // namespace e2e
