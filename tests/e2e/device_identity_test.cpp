// A unit's identity is its USB serial, the MCU's ID (docs/dct-format.md 7.1), not the DCT's
// device_id, which a copied configuration brings from another unit (issue 8): inspect reports the
// difference, and restore --from matches a backup against the serial when the unit reports one,
// else against the DCT's device_id, and says which it compared; new key files and an exported
// public key are named after the serial's ID too.
#include "e2e_support.hpp"

namespace e2e {
namespace {

const fs::path kProvisioned = kData / "photon-provisioned-backup.dct"; // device_id = kSerial
const std::string kOtherSerial = "2b0047000c47363433353735";           // another unit

// `image` with device_id (DCT 3618, 12 bytes) set to the 24 hex digits of `id`.
Bytes with_device_id(Bytes image, const std::string& id) {
    for (std::size_t i = 0; i < 12; ++i)
        image[3618 + i] = static_cast<std::uint8_t>(std::stoul(id.substr(2 * i, 2), nullptr, 16));
    return image;
}

json findings_of(const EmuRun& e) {
    EXPECT_TRUE(e.r.exit_code == 0 || e.r.exit_code == 11) << e.r.describe();
    return parse_one_json(e.r.out)["result"]["findings"];
}

const json* finding(const json& findings, const std::string& code) {
    for (const auto& f : findings)
        if (f["code"] == code) return &f;
    return nullptr;
}

TEST(DeviceIdentity, InspectReportsADctCopiedFromAnotherUnit) {
    TempDir tmp;
    EmuOptions o;
    o.serial = kOtherSerial; // this unit; its DCT says kSerial
    o.dct = kProvisioned;
    const auto e = emu_run(o, dct({"--json", "inspect"}), tmp.path());
    const json findings = findings_of(e);
    const json* f = finding(findings, "device-id-mismatch");
    ASSERT_NE(f, nullptr) << findings.dump(2);
    EXPECT_EQ((*f)["severity"], "warning");
    EXPECT_EQ((*f)["message"], "device_id is " + kSerial + " but the unit's USB serial says " + kOtherSerial +
                                   ": this DCT was copied from another unit");
    EXPECT_FALSE((*f)["consequence"].get<std::string>().empty());
    EXPECT_EQ((*f)["fix"], "photon-dct restore --from BACKUP.dct --only all --device " + kOtherSerial);

    // Text output too.
    const auto text = emu_run(o, dct({"inspect"}), tmp.path());
    EXPECT_NE(text.r.out.find("device_id is " + kSerial + " but the unit's USB serial says " + kOtherSerial),
              std::string::npos)
        << text.r.describe();

    // The printed fix with a backup of this unit removes the finding.
    const auto backup = tmp / "this-unit.dct";
    write_file(backup, with_device_id(window(read_file(kProvisioned)), kOtherSerial));
    const auto fixed = emu_shell(o,
                                 shell_join(dct({"restore", "--from", backup.string(), "--only", "all", "--device",
                                                 kOtherSerial, "--backup-dir", tmp.dir("b").string(), "-q"})) +
                                     " >/dev/null && " + shell_join(dct({"--json", "inspect"})),
                                 tmp.path());
    ASSERT_EQ(fixed.r.exit_code, 0) << fixed.r.describe();
    EXPECT_EQ(finding(parse_one_json(fixed.r.out)["result"]["findings"], "device-id-mismatch"), nullptr);
}

TEST(DeviceIdentity, NoFindingWhenTheIdsAgreeOrTheSerialHoldsNone) {
    TempDir tmp;
    EmuOptions same;
    same.dct = kProvisioned; // the emulator's default serial is the image's device_id
    EXPECT_EQ(finding(findings_of(emu_run(same, dct({"--json", "inspect"}), tmp.path())), "device-id-mismatch"),
              nullptr);
    // A bootloader before 0.6.0 reports 00000000010C for every unit: nothing to compare.
    EmuOptions old = same;
    old.serial = "00000000010C";
    old.dct = tmp / "other.dct";
    write_file(*old.dct, with_device_id(window(read_file(kProvisioned)), kOtherSerial));
    EXPECT_EQ(finding(findings_of(emu_run(old, dct({"--json", "inspect"}), tmp.path())), "device-id-mismatch"),
              nullptr);
}

TEST(DeviceIdentity, RestoreComparesTheBackupWithTheUsbSerial) {
    TempDir tmp;
    EmuOptions o;
    o.serial = kOtherSerial;
    o.dct = kProvisioned; // a DCT copied from kSerial's unit
    // The backup of kSerial's unit matches the copied DCT but not this unit: refused.
    const auto refused = emu_run(
        o, dct({"restore", "--from", kProvisioned.string(), "--backup-dir", tmp.dir("b").string()}), tmp.path());
    EXPECT_EQ(refused.r.exit_code, 10) << refused.r.describe();
    EXPECT_NE(refused.r.err.find("the backup is for " + kSerial + ", this unit's USB serial says " + kOtherSerial),
              std::string::npos)
        << refused.r.err;
    EXPECT_EQ(data_downloads(refused.transcript), 0u);
    EXPECT_TRUE(same_image(refused.dump(), window(read_file(kProvisioned))));

    // A backup of this unit is accepted although the DCT's device_id says otherwise.
    const auto own = tmp / "own.dct";
    write_file(own, with_device_id(window(read_file(kProvisioned)), kOtherSerial));
    const auto accepted = emu_run(
        o, dct({"--json", "restore", "--from", own.string(), "--backup-dir", tmp.dir("c").string()}), tmp.path());
    ASSERT_EQ(accepted.r.exit_code, 0) << accepted.r.describe();
    const json result = parse_one_json(accepted.r.out)["result"];
    EXPECT_EQ(result["unit_device_id"], kOtherSerial);
    EXPECT_EQ(result["unit_device_id_from"], "usb_serial");
    EXPECT_EQ(result["forced"], false);
    EXPECT_TRUE(same_image(accepted.dump(), read_file(own)));
}

TEST(DeviceIdentity, RestoreFallsBackToTheDctDeviceIdWithoutASerialId) {
    TempDir tmp;
    EmuOptions o;
    o.serial = "00000000010C"; // no ID in the serial
    o.dct = kProvisioned;
    const auto other = tmp / "other.dct";
    write_file(other, with_device_id(window(read_file(kProvisioned)), kOtherSerial));
    const auto refused =
        emu_run(o, dct({"restore", "--from", other.string(), "--backup-dir", tmp.dir("b").string()}), tmp.path());
    EXPECT_EQ(refused.r.exit_code, 10) << refused.r.describe();
    EXPECT_NE(
        refused.r.err.find("the backup is for " + kOtherSerial + ", this DCT's device_id field (3618) says " + kSerial),
        std::string::npos)
        << refused.r.err;
    EXPECT_EQ(data_downloads(refused.transcript), 0u);

    const auto accepted =
        emu_run(o, dct({"--json", "restore", "--from", kProvisioned.string(), "--backup-dir", tmp.dir("c").string()}),
                tmp.path());
    ASSERT_EQ(accepted.r.exit_code, 0) << accepted.r.describe();
    const json result = parse_one_json(accepted.r.out)["result"];
    EXPECT_EQ(result["unit_device_id"], kSerial);
    EXPECT_EQ(result["unit_device_id_from"], "dct");
}

TEST(DeviceIdentity, KeyFilesAreNamedAfterTheUsbSerialNotACopiedDeviceId) {
    TempDir tmp;
    EmuOptions o;
    o.serial = kOtherSerial;
    o.dct = kProvisioned; // device_id says kSerial
    const auto keys_dir = tmp.dir("keys");
    const auto made = emu_run(
        o, dct({"--json", "new-device-key", "--out-dir", keys_dir.string(), "--backup-dir", tmp.dir("b").string()}),
        tmp.path());
    ASSERT_EQ(made.r.exit_code, 0) << made.r.describe();
    EXPECT_TRUE(fs::exists(keys_dir / (kOtherSerial + ".pem"))) << made.r.out;
    EXPECT_TRUE(fs::exists(keys_dir / (kOtherSerial + ".pub.pem"))) << made.r.out;
    EXPECT_FALSE(fs::exists(keys_dir / (kSerial + ".pem")));
    const auto exported = emu_run(o, dct({"--json", "export-public-key"}), tmp.path());
    ASSERT_EQ(exported.r.exit_code, 0) << exported.r.describe();
    EXPECT_EQ(parse_one_json(exported.r.out)["result"]["device_id"], kOtherSerial) << exported.r.out;
}

} // namespace
} // namespace e2e
