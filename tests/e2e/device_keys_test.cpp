// Issue 4 on the emulator: device keys, restore from backup, the Electron's UDP slot and
// cloud_transport, for Photon, P1 and Electron.
#include "e2e_support.hpp"

#include "photon_dct/keys/key.hpp"

namespace e2e {
namespace {

namespace keys = photon_dct::keys;

const fs::path kErasedKey = kData / "erased-device-key-photon.dct";
const fs::path kProvisioned = kData / "photon-provisioned-backup.dct";
const fs::path kDeviceKeyPem = kData / "photon-device-key.pem";

// The TCP slots as the firmware holds them (docs/dct-format.md §5.1, §5.2), built from the PEM here:
// PKCS#1 DER at 34, 0xFF to 612 bytes; at 1250 the fixed 29-byte SPKI header + N + 02 03 01 00 01,
// then zeros to 384 bytes.
Bytes expected_tcp_private_slot() {
    const auto der = pem_to_der(read_text(kDeviceKeyPem));
    Bytes slot(612, 0xFF);
    std::copy(der.begin(), der.end(), slot.begin());
    return slot;
}

Bytes expected_tcp_public_slot() {
    const auto der = pem_to_der(read_text(kDeviceKeyPem));
    Bytes slot{0x30, 0x81, 0x9f, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01,
               0x01, 0x05, 0x00, 0x03, 0x81, 0x8d, 0x00, 0x30, 0x81, 0x89, 0x02, 0x81, 0x81, 0x00};
    const auto n = slice(der, 11, 128);
    slot.insert(slot.end(), n.begin(), n.end());
    slot.insert(slot.end(), {0x02, 0x03, 0x01, 0x00, 0x01});
    slot.resize(384, 0x00);
    return slot;
}

// A blank Electron DCT (all 0xFF: cloud_transport UDP) with the emulator's serial as device_id.
fs::path blank_electron_image(const TempDir& tmp) {
    Bytes img(16384, 0xFF);
    const auto id = [] {
        Bytes b;
        for (std::size_t i = 0; i < kSerial.size(); i += 2)
            b.push_back(static_cast<std::uint8_t>(std::stoi(kSerial.substr(i, 2), nullptr, 16)));
        return b;
    }();
    std::copy(id.begin(), id.end(), img.begin() + 3618);
    const auto p = tmp / "electron-blank.dct";
    write_file(p, img);
    return p;
}

class PerPlatform : public ::testing::TestWithParam<std::string> {};

TEST(DeviceKeySample, PemIsAFirmwareShapedPkcs1Key) {
    const auto der = pem_to_der(read_text(kDeviceKeyPem));
    EXPECT_LE(der.size(), 612u);
    EXPECT_EQ(hex(slice(der, 7, 4)), "02818100"); // N: 128 bytes after a leading zero
    // The sample backup holds exactly this key, in the slot layout above.
    const auto backup = read_file(kProvisioned);
    EXPECT_EQ(slice(backup, 34, 612), expected_tcp_private_slot());
    EXPECT_EQ(slice(backup, 1250, 384), expected_tcp_public_slot());
}

TEST_P(PerPlatform, RestoreDeviceKeyWritesOnlyTheTcpKeySlotsOnce) {
    TempDir tmp;
    const auto original = window(read_file(kErasedKey));
    EmuOptions o;
    o.platform = GetParam();
    o.dct = kErasedKey;
    auto cmd = dct({"restore-device-key", "--pem", kDeviceKeyPem.string(), "--backup-dir", tmp.dir("b").string()});
    // The sample image's cloud_transport is 0xFF: an Electron would use UDP; this key is for TCP.
    if (GetParam() == "electron") cmd.insert(cmd.end(), {"--protocol", "tcp"});
    const auto e = emu_run(o, cmd, tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    const auto outside = diff_outside(original, e.dump(), {{34, 645}, {1250, 1633}});
    EXPECT_FALSE(outside) << "changed at " << *outside;
    EXPECT_EQ(hex(slice(e.dump(), 34, 612)), hex(expected_tcp_private_slot()));
    EXPECT_EQ(hex(slice(e.dump(), 1250, 384)), hex(expected_tcp_public_slot()));
    EXPECT_EQ(data_downloads(e.transcript), 1u) << transcript_text(e.transcript);
    EXPECT_EQ(erases(e.transcript), 0u);
    EXPECT_EQ(e.r.out.find("PRIVATE KEY"), std::string::npos) << "private key material printed";
    EXPECT_EQ(e.r.err.find("PRIVATE KEY"), std::string::npos) << "private key material printed";
    ASSERT_EQ(files_in(tmp / "b").size(), 1u);
    EXPECT_TRUE(same_image(read_file(files_in(tmp / "b")[0]), original));
}

TEST_P(PerPlatform, RestoreDeviceKeyFromBackupGivesBackTheBackupBytes) {
    TempDir tmp;
    EmuOptions o;
    o.platform = GetParam();
    o.dct = kErasedKey;
    const auto e = emu_run(o,
                           dct({"restore", "--from", kProvisioned.string(), "--only", "device-key", "--backup-dir",
                                tmp.dir("b").string()}),
                           tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kProvisioned))));
    EXPECT_LE(data_downloads(e.transcript), 1u) << transcript_text(e.transcript);
    EXPECT_EQ(erases(e.transcript), 0u);
}

TEST_P(PerPlatform, RestoreAllFromBackupAfterCorruptionGivesBackTheOriginal) {
    TempDir tmp;
    // A "corrupted" unit: the provisioned image with its server key/address block and device key blanked.
    auto corrupted = window(read_file(kProvisioned));
    std::fill(corrupted.begin() + 2082, corrupted.begin() + 2594, 0xFF);
    std::fill(corrupted.begin() + 34, corrupted.begin() + 646, 0xFF);
    write_file(tmp / "corrupted.dct", corrupted);
    EmuOptions o;
    o.platform = GetParam();
    o.dct = tmp / "corrupted.dct";
    const auto e = emu_run(o, dct({"restore", "--from", kProvisioned.string(), "--backup-dir", tmp.dir("b").string()}),
                           tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kProvisioned))));
    // "all" is the application DCT (0..8390): one write, in chunks of at most wTransferSize (4096).
    EXPECT_GE(data_downloads(e.transcript), 1u) << transcript_text(e.transcript);
    EXPECT_LE(data_downloads(e.transcript), 3u) << transcript_text(e.transcript);
    EXPECT_EQ(erases(e.transcript), 0u);
    // Never past byte 8391 (Wi-Fi system data follows the application DCT on a Photon).
    unsigned long pointer = 0;
    for (const auto& x : e.transcript) {
        if (x.value("name", std::string()) != "DNLOAD") continue;
        const auto data = x.value("data", std::string());
        if (x.value("value", 0) == 0 && data.rfind("21", 0) == 0 && data.size() == 10)
            pointer =
                std::stoul(data.substr(8, 2) + data.substr(6, 2) + data.substr(4, 2) + data.substr(2, 2), nullptr, 16);
        if (is_data_download(x)) {
            const auto end = pointer + (x.value("value", 2) - 2) * 4096ul + x.value("length", 0);
            EXPECT_LE(end, 8391u) << x.dump();
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Platforms, PerPlatform, ::testing::Values("photon", "p1", "electron"));

TEST(DeviceKeysElectron, NewDeviceKeyWritesUdpSlotAndSavesMatchingKeyFiles) {
    TempDir tmp;
    const auto image = blank_electron_image(tmp);
    const auto original = read_file(image);
    const auto keysdir = tmp.dir("keys");
    EmuOptions o;
    o.platform = "electron";
    o.dct = image;
    const auto exported = tmp / "exported.pub.pem";
    const auto e = emu_shell(
        o,
        shell_join(dct({"new-device-key", "--out-dir", keysdir.string(), "--backup-dir", tmp.dir("b").string()})) +
            " && " + shell_join(dct({"export-public-key", "-o", exported.string()})),
        tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    EXPECT_EQ(e.r.out.find("PRIVATE KEY"), std::string::npos) << "private key material printed";
    EXPECT_EQ(data_downloads(e.transcript), 1u) << transcript_text(e.transcript);

    const auto pem = keysdir / (kSerial + ".pem"), pub = keysdir / (kSerial + ".pub.pem");
    ASSERT_TRUE(fs::exists(pem)) << e.r.describe();
    ASSERT_TRUE(fs::exists(pub)) << e.r.describe();
    EXPECT_EQ(file_mode(pem), 0600u);

    // Only the UDP device key slots changed; cloud_transport still 0xFF (UDP).
    const auto outside = diff_outside(original, e.dump(), {{2978, 3105}, {3106, 3297}});
    EXPECT_FALSE(outside) << "changed at " << *outside;
    EXPECT_EQ(e.dump()[2977], 0xFF);

    // The slot holds the saved private key (SEC1 DER, length from its header), 0xFF after it.
    const auto key = keys::load_key_file(pem);
    EXPECT_EQ(key.curve(), "prime256v1");
    const auto sec1 = key.sec1_private_der();
    ASSERT_EQ(der_length(sec1), sec1.size());
    const auto slot = slice(e.dump(), 3106, 192);
    ASSERT_EQ(der_length(slot), sec1.size());
    EXPECT_EQ(slice(slot, 0, sec1.size()), sec1);
    for (std::size_t i = sec1.size(); i < 192; ++i) ASSERT_EQ(slot[i], 0xFF) << "slot byte " << i;

    // The saved public key is the key's public half and sits in alt_device_public_key (either alignment).
    const auto pub_der = pem_to_der(read_text(pub));
    ASSERT_EQ(pub_der.size(), 91u);
    const auto key_spki = key.spki_der();
    EXPECT_EQ(Bytes(key_spki.begin(), key_spki.end()), pub_der);
    const auto alt_pub = slice(e.dump(), 2978, 128);
    EXPECT_TRUE(slice(alt_pub, 0, 91) == pub_der || slice(alt_pub, 37, 91) == pub_der) << hex(alt_pub);

    // export-public-key afterwards gives the same public key.
    ASSERT_TRUE(fs::exists(exported));
    EXPECT_EQ(pem_to_der(read_text(exported)), pub_der);
    EXPECT_EQ(read_text(exported), read_text(pub));
}

TEST(DeviceKeysElectron, ProtocolTcpChangesOnlyCloudTransport) {
    TempDir tmp;
    const auto image = blank_electron_image(tmp);
    const auto original = read_file(image);
    EmuOptions o;
    o.platform = "electron";
    o.dct = image;
    const auto e = emu_run(o, dct({"protocol", "tcp", "--backup-dir", tmp.dir("b").string()}), tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    auto expected = original;
    expected[2977] = 0x00;
    EXPECT_EQ(diff_offsets(original, e.dump()), std::vector<std::size_t>{2977});
    EXPECT_TRUE(same_image(e.dump(), expected));
    EXPECT_EQ(data_downloads(e.transcript), 1u);
}

TEST(DeviceKeysElectron, RestoreServerUdpWritesOnlyTheUdpServerBlock) {
    TempDir tmp;
    const auto image = blank_electron_image(tmp);
    const auto original = read_file(image);
    const auto server = keys::generate_ec_p256();
    const auto pem = server.public_pem();
    write_file(tmp / "ec-server.pub.pem", Bytes(pem.begin(), pem.end()));
    const auto spki = pem_to_der(pem);
    ASSERT_EQ(spki.size(), 91u);
    EmuOptions o;
    o.platform = "electron";
    o.dct = image;
    const auto e =
        emu_run(o,
                dct({"restore-server", "--protocol", "udp", "--pem", (tmp / "ec-server.pub.pem").string(), "--host",
                     "cloud.example.com", "--port", "5684", "--backup-dir", tmp.dir("b").string()}),
                tmp.path());
    ASSERT_EQ(e.r.exit_code, 0) << e.r.describe();
    const auto outside = diff_outside(original, e.dump(), {{3298, 3617}});
    EXPECT_FALSE(outside) << "changed at " << *outside;
    const auto expected = particle_cli_server_block(spki, "cloud.example.com", 5684u, 320, 192);
    EXPECT_EQ(hex(slice(e.dump(), 3298, 320)), hex(expected));
    EXPECT_EQ(data_downloads(e.transcript), 1u);
}

TEST(DeviceKeysPhoton, ProtocolUdpIsRefusedWithoutWriting) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kProvisioned;
    const auto e = emu_run(o, dct({"protocol", "udp", "--backup-dir", tmp.dir("b").string()}), tmp.path());
    EXPECT_EQ(e.r.exit_code, 10) << e.r.describe();
    EXPECT_NE(e.r.err.find("error: "), std::string::npos);
    EXPECT_EQ(data_downloads(e.transcript), 0u) << transcript_text(e.transcript);
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kProvisioned))));
}

TEST(DeviceKeysPhoton, WrongKeyTypeIsRefusedWithoutWriting) {
    TempDir tmp;
    EmuOptions o;
    o.dct = kErasedKey;
    // A public RSA-2048 server key is no device key.
    const auto e =
        emu_run(o, dct({"restore-device-key", "--pem", kServerPem.string(), "--backup-dir", tmp.dir("b").string()}),
                tmp.path());
    EXPECT_NE(e.r.exit_code, 0) << e.r.describe();
    EXPECT_NE(e.r.err.find("error: "), std::string::npos);
    EXPECT_EQ(data_downloads(e.transcript), 0u);
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kErasedKey))));
}

TEST(DeviceKeysPhoton, ForeignBackupIsRefusedWithoutWriting) {
    TempDir tmp;
    auto foreign = window(read_file(kProvisioned));
    foreign[3618] ^= 0x55; // another unit's device_id
    write_file(tmp / "foreign.dct", foreign);
    EmuOptions o;
    o.dct = kErasedKey;
    const auto e =
        emu_run(o, dct({"restore", "--from", (tmp / "foreign.dct").string(), "--backup-dir", tmp.dir("b").string()}),
                tmp.path());
    EXPECT_EQ(e.r.exit_code, 10) << e.r.describe();
    EXPECT_EQ(data_downloads(e.transcript), 0u);
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kErasedKey))));
}

} // namespace
} // namespace e2e

namespace e2e {
namespace {

// Lengths of the INTEGERs of a PKCS#1 RSAPrivateKey DER, walked here from the DER rules.
std::vector<std::size_t> pkcs1_integer_lengths(const Bytes& der) {
    std::vector<std::size_t> out;
    auto read_len = [&](std::size_t& at) {
        std::size_t l = der.at(at++);
        if (l & 0x80) {
            const std::size_t n = l & 0x7F;
            l = 0;
            for (std::size_t i = 0; i < n; ++i) l = (l << 8) | der.at(at++);
        }
        return l;
    };
    std::size_t at = 0;
    if (der.at(at++) != 0x30) return out;
    read_len(at);
    while (at < der.size()) {
        if (der.at(at++) != 0x02) break;
        const auto l = read_len(at);
        out.push_back(l);
        at += l;
    }
    return out;
}

TEST(DeviceKeysPhoton, KeyTheFirmwareParserWouldMisreadIsRefused) {
    // Find an RSA-1024 key with a short D or CRT value (about 1 key in 40).
    std::optional<keys::Key> bad;
    for (int i = 0; i < 2000 && !bad; ++i) {
        auto k = keys::generate_rsa(1024);
        const auto der = k.pkcs1_private_der();
        const auto lens = pkcs1_integer_lengths(Bytes(der.begin(), der.end()));
        if (lens.size() != 9) continue;
        const bool n_ok = lens[1] == 128 || lens[1] == 129, d_ok = lens[3] == 128 || lens[3] == 129;
        bool crt_ok = true;
        for (std::size_t j = 4; j < 9; ++j) crt_ok = crt_ok && (lens[j] == 64 || lens[j] == 65);
        if (n_ok && (!d_ok || !crt_ok)) bad = k;
    }
    ASSERT_TRUE(bad) << "no key with a short D/CRT value found";
    TempDir tmp;
    const auto pem = bad->private_pem();
    write_file(tmp / "short-crt.pem", Bytes(pem.begin(), pem.end()));
    EmuOptions o;
    o.dct = kErasedKey;
    const auto backups = tmp.dir("b");
    const auto e = emu_run(
        o, dct({"restore-device-key", "--pem", (tmp / "short-crt.pem").string(), "--backup-dir", backups.string()}),
        tmp.path());
    EXPECT_TRUE(e.r.exit_code == 10 || e.r.exit_code == 7) << e.r.describe();
    EXPECT_NE(e.r.err.find("error: "), std::string::npos) << e.r.describe();
    EXPECT_EQ(e.r.err.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(data_downloads(e.transcript), 0u);
    EXPECT_TRUE(same_image(e.dump(), window(read_file(kErasedKey))));
}

} // namespace
} // namespace e2e
