// Every refusal that needs no DCT bytes comes before the unit is read: for each command, a
// refusal on a Photon unit in the emulator leaves no UPLOAD in the transcript (issue 7), exits
// with the documented code and leaves the unit as it was.
#include "e2e_support.hpp"

#include "photon_dct/keys/key.hpp"

namespace e2e {
namespace {

namespace keys = photon_dct::keys;

const fs::path kProvisioned = kData / "photon-provisioned-backup.dct";
const fs::path kErasedKey = kData / "erased-device-key-photon.dct";

inline bool is_upload(const json& e) { return e.value("name", std::string()) == "UPLOAD"; }

class EarlyRefusal : public ::testing::Test {
protected:
    void SetUp() override {
        ec_pem = tmp / "ec.pem";
        const auto pem = keys::generate_ec_p256().private_pem();
        write_file(ec_pem, Bytes(pem.begin(), pem.end()));
        backup_dir = tmp.dir("b").string();
        existing = tmp / "existing.pem";
        write_file(existing, Bytes{'x', '\n'});
    }

    // Runs `args` on a Photon holding the provisioned backup (backups, if any, would go to
    // backup_dir) and checks the refusal.
    void expect_refused_unread(const std::vector<std::string>& args, int exit_code, const std::string& needle) {
        SCOPED_TRACE(shell_join(args));
        EmuOptions o;
        o.dct = kProvisioned;
        const auto e = emu_run(o, dct(args), tmp.path());
        EXPECT_EQ(e.r.exit_code, exit_code) << e.r.describe();
        EXPECT_NE(e.r.err.find(needle), std::string::npos) << e.r.describe();
        EXPECT_EQ(count_if(e.transcript, is_upload), 0u) << transcript_text(e.transcript);
        EXPECT_EQ(data_downloads(e.transcript), 0u);
        ASSERT_FALSE(e.dumps.empty());
        EXPECT_TRUE(same_image(e.dump(), window(read_file(kProvisioned))));
        EXPECT_TRUE(files_in(tmp / "b").empty());
    }

    TempDir tmp;
    fs::path ec_pem;
    fs::path existing;
    std::string backup_dir;
};

TEST_F(EarlyRefusal, InspectUnknownRawField) {
    expect_refused_unread({"inspect", "--raw", "no_such_field"}, 7, "no such DCT field");
}

TEST_F(EarlyRefusal, InspectBadDeviceOsVersion) {
    expect_refused_unread({"inspect", "--device-os", "latest"}, 7, "not a version number");
}

TEST_F(EarlyRefusal, BackupOutputThatExists) {
    expect_refused_unread({"backup", "-o", existing.string(), "--backup-dir", backup_dir}, 8, "already exists");
}

// A --backup-dir that is missing or not a directory is refused before the unit is even listed
// (ops::Target::require_backup_dir): before, the unit was read and sent the write's set-address
// command, and only then did saving the backup fail.
TEST_F(EarlyRefusal, EveryWriteCommandChecksTheBackupDirFirst) {
    const std::string pem = (kData / "private-cloud-server.pub.pem").string();
    const fs::path rsa_pem = tmp / "device.pem";
    const auto device_key = keys::generate_device_rsa_key().private_pem();
    write_file(rsa_pem, Bytes(device_key.begin(), device_key.end()));
    const std::vector<std::vector<std::string>> commands = {
        {"restore-server", "--pem", pem, "--host", "cloud.example.com"},
        {"restore-device-key", "--pem", rsa_pem.string()},
        {"new-device-key", "--out-dir", backup_dir},
        {"restore", "--from", kProvisioned.string(), "--only", "server"},
        {"protocol", "udp"},
    };
    for (const auto& bad : {(tmp / "missing").string(), existing.string()}) {
        for (auto args : commands) {
            args.insert(args.end(), {"--backup-dir", bad});
            SCOPED_TRACE(shell_join(args));
            EmuOptions o;
            o.dct = kProvisioned;
            const auto e = emu_run(o, dct(args), tmp.path());
            EXPECT_EQ(e.r.exit_code, 8) << e.r.describe();
            EXPECT_NE(e.r.err.find("--backup-dir '" + bad + "'"), std::string::npos) << e.r.describe();
            EXPECT_TRUE(e.transcript.empty()) << "no request at all: " << transcript_text(e.transcript);
            ASSERT_FALSE(e.dumps.empty());
            EXPECT_TRUE(same_image(e.dump(), window(read_file(kProvisioned))));
        }
    }
    // A dry run writes no backup: its --backup-dir is not checked.
    EmuOptions o;
    o.dct = kProvisioned;
    const auto dry = emu_run(o,
                             dct({"restore-server", "--pem", pem, "--host", "cloud.example.com", "--dry-run",
                                  "--backup-dir", (tmp / "missing").string()}),
                             tmp.path());
    EXPECT_EQ(dry.r.exit_code, 0) << dry.r.describe();
}

TEST_F(EarlyRefusal, RestoreServerUdpOnPhoton) {
    expect_refused_unread({"restore-server", "--pem", (kData / "private-cloud-server.pub.pem").string(), "--host",
                           "cloud.example.com", "--protocol", "udp", "--backup-dir", backup_dir},
                          10, "only uses TCP");
}

// restore-server reads its key file while the unit is picked (ops::Target::select_while); a bad
// key file is still refused first: before the read, before "no unit found", before a unit in
// normal mode is switched into DFU mode.
TEST_F(EarlyRefusal, RestoreServerKeyFileThatIsNotAKey) {
    expect_refused_unread(
        {"restore-server", "--pem", existing.string(), "--host", "cloud.example.com", "--backup-dir", backup_dir}, 7,
        "not a PEM or DER key");
}

TEST_F(EarlyRefusal, RestoreServerKeyFileRefusalComesBeforeNoUnitFound) {
    EmuOptions o;
    o.dct = kProvisioned;
    o.arrive_after_ms = 30000; // not on USB while the command runs
    const auto e =
        emu_run(o, dct({"restore-server", "--pem", existing.string(), "--host", "cloud.example.com"}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 7) << e.r.describe();
    EXPECT_NE(e.r.err.find("not a PEM or DER key"), std::string::npos) << e.r.describe();
    // Under --json the error names no unit: none was opened.
    const auto as_json = emu_run(
        o, dct({"--json", "restore-server", "--pem", existing.string(), "--host", "cloud.example.com"}), tmp.path());
    EXPECT_EQ(as_json.r.exit_code, 7) << as_json.r.describe();
    EXPECT_TRUE(parse_one_json(as_json.r.out)["error"]["unit"].is_null()) << as_json.r.out;
    const auto without_unit = emu_run(o,
                                      dct({"restore-server", "--pem", (kData / "private-cloud-server.pub.pem").string(),
                                           "--host", "cloud.example.com"}),
                                      tmp.path());
    EXPECT_EQ(without_unit.r.exit_code, 3) << without_unit.r.describe();
}

TEST_F(EarlyRefusal, RestoreServerKeyFileRefusalComesBeforeAWait) {
    // With --wait the key file is checked first: a bad one is reported at once, not once a unit
    // has been plugged in (no "waiting for ..." notice).
    EmuOptions o;
    o.dct = kProvisioned;
    o.arrive_after_ms = 30000;
    const auto e =
        emu_run(o, dct({"restore-server", "--wait", "20", "--pem", existing.string(), "--host", "cloud.example.com"}),
                tmp.path());
    EXPECT_EQ(e.r.exit_code, 7) << e.r.describe();
    EXPECT_EQ(e.r.err.find("waiting for a Photon"), std::string::npos) << e.r.describe();
}

TEST_F(EarlyRefusal, RestoreServerKeyFileRefusalLeavesANormalModeUnitRunning) {
    EmuOptions o;
    o.dct = kProvisioned;
    o.normal_mode = true;
    const auto e =
        emu_run(o, dct({"restore-server", "--pem", existing.string(), "--host", "cloud.example.com"}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 7) << e.r.describe();
    EXPECT_EQ(count_if(e.transcript, [](const json& t) { return t.value("name", std::string()) == "BUS_LEAVE"; }), 0u)
        << transcript_text(e.transcript);
    EXPECT_EQ(count_if(e.transcript, is_upload), 0u) << transcript_text(e.transcript);
}

TEST_F(EarlyRefusal, RestoreDeviceKeyEcKeyOnPhoton) {
    expect_refused_unread({"restore-device-key", "--pem", ec_pem.string(), "--backup-dir", backup_dir}, 7,
                          "only has the TCP slot");
}

TEST_F(EarlyRefusal, RestoreDeviceKeyUdpOnPhoton) {
    expect_refused_unread(
        {"restore-device-key", "--pem", ec_pem.string(), "--protocol", "udp", "--backup-dir", backup_dir}, 10,
        "only uses TCP");
}

TEST_F(EarlyRefusal, NewDeviceKeyUdpOnPhoton) {
    expect_refused_unread(
        {"new-device-key", "--protocol", "udp", "--out-dir", tmp.dir("keys").string(), "--backup-dir", backup_dir}, 10,
        "only uses TCP");
    EXPECT_TRUE(files_in(tmp / "keys").empty());
}

TEST_F(EarlyRefusal, ExportPublicKeyUdpOnPhoton) {
    expect_refused_unread({"export-public-key", "--protocol", "udp"}, 10, "only uses TCP");
}

TEST_F(EarlyRefusal, ExportPublicKeyOutputThatExists) {
    expect_refused_unread({"export-public-key", "-o", existing.string()}, 8, "already exists");
}

TEST_F(EarlyRefusal, RestoreOfABackupWithoutADeviceKey) {
    expect_refused_unread(
        {"restore", "--from", kErasedKey.string(), "--only", "device-key", "--backup-dir", backup_dir}, 7,
        "no key to restore");
}

TEST_F(EarlyRefusal, ProtocolOnPhoton) {
    expect_refused_unread({"protocol", "udp", "--backup-dir", backup_dir}, 10, "TCP only");
}

TEST_F(EarlyRefusal, ListNeverReadsTheDct) {
    EmuOptions o;
    o.dct = kProvisioned;
    const auto e = emu_run(o, dct({"list"}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_NE(e.r.out.find(kSerial), std::string::npos) << e.r.describe();
    EXPECT_EQ(count_if(e.transcript, is_upload), 0u) << transcript_text(e.transcript);
}

} // namespace
} // namespace e2e
