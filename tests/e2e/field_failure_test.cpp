// Issue 3, "End-to-end": the field failure (a Photon whose TCP server address is blank) diagnosed
// and repaired through the real CLI on the emulated bootloader.
#include "e2e_support.hpp"

namespace e2e {
namespace {

TEST(FieldFailure, SampleKeyIsTheRsa2048SpkiOfTheReference) {
    const auto der = server_key_der();
    ASSERT_EQ(der.size(), 294u);
    EXPECT_EQ(hex(slice(der, 0, 4)), "30820122");
    EXPECT_EQ(hex(slice(der, 289, 5)), "0203010001");
    // The field failure image holds the same key and a blank (all 0xFF) TCP address block.
    const auto img = window(read_file(kFieldFailure));
    EXPECT_EQ(slice(img, 2082, 294), der);
    EXPECT_EQ(slice(img, 2466, 128), Bytes(128, 0xFF));
}

TEST(FieldFailure, InspectDiagnosesTheBlankServerAddress) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_run(o, dct({"inspect"}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 11) << e.r.describe();
    EXPECT_NE(e.r.out.find("server address blank: this device will connect to device.spark.io:5683 (Particle's cloud), "
                           "not your server"),
              std::string::npos)
        << e.r.out;
    EXPECT_EQ(data_downloads(e.transcript), 0u);
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kFieldFailure))));
}

TEST(FieldFailure, RestoreServerWritesParticleCliBlockOnceWithBackup) {
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    const auto original = window(read_file(kFieldFailure));
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_run(o,
                           dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com", "--port",
                                "5683", "--backup-dir", backups.string()}),
                           tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();

    // Only 2082..2593 changed, and those 512 bytes are particle-cli's (docs/dct-format.md §6.5, §9.1).
    const auto expected_block = tcp_server_block(server_key_der(), "cloud.example.com", 5683u);
    ASSERT_EQ(expected_block.size(), 512u);
    EXPECT_EQ(hex(slice(expected_block, 384, 19)), "0111636c6f75642e6578616d706c652e636f6d");
    EXPECT_EQ(hex(slice(expected_block, 450, 2)), "1633");
    ASSERT_EQ(e.dump().size(), 16384u);
    const auto outside = diff_outside(original, e.dump(), {{2082, 2593}});
    EXPECT_FALSE(outside) << "changed outside the TCP server block at offset " << *outside;
    EXPECT_EQ(hex(slice(e.dump(), 2082, 512)), hex(expected_block));
    EXPECT_TRUE(same_image(e.dump(), image_with(original, 2082, expected_block)));

    // One data download, no erase.
    EXPECT_EQ(data_downloads(e.transcript), 1u) << transcript_text(e.transcript);
    EXPECT_EQ(erases(e.transcript), 0u) << transcript_text(e.transcript);

    // The backup: one file, mode 0600, the whole 16 KiB original window.
    const auto files = files_in(backups);
    ASSERT_EQ(files.size(), 1u);
    EXPECT_EQ(file_mode(files[0]), 0600u) << files[0];
    const auto backup = read_file(files[0]);
    EXPECT_EQ(backup.size(), 16384u);
    EXPECT_TRUE(same_image(backup, original));
    // Named with the device ID.
    EXPECT_NE(files[0].filename().string().find(kSerial), std::string::npos) << files[0];
}

TEST(FieldFailure, SecondRestoreServerInTheSameSessionWritesNothing) {
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    const auto original = window(read_file(kFieldFailure));
    const auto cmd = shell_join(dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com",
                                     "--port", "5683", "--backup-dir", backups.string()}));
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_shell(o, cmd + " && " + cmd, tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(data_downloads(e.transcript), 1u) << transcript_text(e.transcript);
    EXPECT_EQ(erases(e.transcript), 0u);
    EXPECT_TRUE(same_image(e.dump(),
                           image_with(original, 2082, tcp_server_block(server_key_der(), "cloud.example.com", 5683u))));
}

TEST(FieldFailure, InspectAfterRepairConnectsToTheNewServer) {
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    const auto fix = shell_join(dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com",
                                     "--port", "5683", "--backup-dir", backups.string()}));
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_shell(o, fix + " >/dev/null && " + shell_join(dct({"--json", "inspect"})), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    const auto doc = parse_one_json(e.r.out);
    const auto& addr = doc["result"]["tcp"]["server_address"];
    EXPECT_EQ(addr["type"], "domain");
    EXPECT_EQ(addr["host"], "cloud.example.com");
    EXPECT_EQ(addr["raw_port"], 5683);
    EXPECT_EQ(doc["result"]["has_errors"], false);
}

} // namespace
} // namespace e2e

namespace e2e {
namespace {

TEST(FieldFailure, DryRunWritesNothing) {
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_run(o,
                           dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com", "--port",
                                "5683", "--backup-dir", backups.string(), "--dry-run"}),
                           tmp.path());
    EXPECT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(data_downloads(e.transcript), 0u) << transcript_text(e.transcript);
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kFieldFailure))));
}

TEST(FieldFailure, LeaveAfterVerifiedWriteIsSuccessWhenTheUnitVanishes) {
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    EmuOptions o;
    o.dct = kFieldFailure;
    const auto e = emu_run(o,
                           dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com", "--port",
                                "5683", "--backup-dir", backups.string(), "--leave"}),
                           tmp.path());
    EXPECT_EQ(e.r.exit_code, 0) << e.r.describe() << transcript_text(e.transcript);
    EXPECT_TRUE(same_image(e.dump(), image_with(window(read_file(kFieldFailure)), 2082,
                                                tcp_server_block(server_key_der(), "cloud.example.com", 5683u))));
    EXPECT_EQ(data_downloads(e.transcript), 1u);
    // The leave request (zero-length DNLOAD) comes after the data download and after a read-back UPLOAD.
    std::optional<std::size_t> data_at, leave_at, upload_after;
    for (std::size_t i = 0; i < e.transcript.size(); ++i) {
        const auto& x = e.transcript[i];
        if (is_data_download(x)) data_at = i;
        if (data_at && x.value("name", std::string()) == "UPLOAD" && !upload_after) upload_after = i;
        if (x.value("name", std::string()) == "DNLOAD" && x.value("length", -1) == 0) leave_at = i;
    }
    ASSERT_TRUE(data_at && leave_at && upload_after) << transcript_text(e.transcript);
    EXPECT_LT(*data_at, *upload_after);
    EXPECT_LT(*upload_after, *leave_at);
}

TEST(FieldFailure, NoLeaveWhenTheReadBackFails) {
    TempDir tmp;
    const auto backups = tmp.dir("backups");
    EmuOptions o;
    o.dct = kFieldFailure;
    o.faults = {"stall:upload:5"}; // the first UPLOAD of the read-back (4 blocks read the window first)
    const auto e = emu_run(o,
                           dct({"restore-server", "--pem", kServerPem.string(), "--host", "cloud.example.com", "--port",
                                "5683", "--backup-dir", backups.string(), "--leave"}),
                           tmp.path());
    EXPECT_NE(e.r.exit_code, 0) << e.r.describe();
    for (const auto& x : e.transcript)
        EXPECT_FALSE(x.value("name", std::string()) == "DNLOAD" && x.value("length", -1) == 0)
            << "leave sent although the read-back failed\n"
            << transcript_text(e.transcript);
}

} // namespace
} // namespace e2e
