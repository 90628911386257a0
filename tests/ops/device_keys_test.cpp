// restore-device-key, new-device-key and export-public-key on image files (FileStore behind a
// counting decorator). Expected layouts are typed from docs/dct-format.md 5.1-5.3, not taken from the
// encoder under test; the firmware's fixed-position RSA parser is re-implemented here from 5.1.
#include <algorithm>
#include <array>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "photon_dct/dct/decode.hpp"
#include "photon_dct/error.hpp"
#include "photon_dct/keys/key.hpp"
#include "photon_dct/ops/device_keys.hpp"
#include "photon_dct/ops/store.hpp"

namespace fs = std::filesystem;
using namespace photon_dct;

#include "firmware_rsa_parser.hpp"
#include "ops_test_support.hpp"

namespace {

using namespace ops_test;

const fs::path kPhotonKey = fs::path(PHOTON_DCT_TEST_DATA) / "photon-device-key.pem";
constexpr const char* kPhotonDeviceId = "3a0036000247363333343435";

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

ops::DeviceKeyResult run_restore_device_key(CountingStore& store, const fs::path& key,
                                            std::optional<dct::Slot> slot, bool dry_run = false) {
    ops::RestoreDeviceKeyRequest req;
    req.key_path = key;
    req.slot = slot;
    req.write.dry_run = dry_run;
    ops::Target target(store);
    return ops::restore_device_key(target, req);
}

// Bytes that differ between a and b, as [first, last] offsets.
std::vector<std::size_t> differing(const Bytes& a, const Bytes& b) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        if (a[i] != b[i]) out.push_back(i);
    return out;
}

class DeviceKeys : public ::testing::Test {
protected:
    void SetUp() override {
        original = read_all(kPhotonImage);
        image = dir.path() / "unit.dct";
        write_all(image, original);
    }
    // An Electron image: the Photon sample with cloud_transport as given.
    void make_electron(std::uint8_t cloud_transport) {
        original[2977] = cloud_transport;
        write_all(image, original);
    }
    fs::path save_key(const std::string& name, const std::string& pem) {
        const auto p = keydir.path() / name;
        write_text(p, pem);
        return p;
    }
    std::size_t backups() const { return dir.count() - 1; } // everything but unit.dct

    TempDir dir;
    TempDir keydir;
    fs::path image;
    Bytes original;
};

// ---- restore-device-key -----------------------------------------------------------------

TEST_F(DeviceKeys, RestoreTcpKeyOnPhotonWritesFirmwareLayoutInOneWrite) {
    const keys::Key key = keys::generate_device_rsa_key();
    const Bytes pkcs1 = key.pkcs1_private_der();
    ASSERT_LE(pkcs1.size(), 612u);
    const auto pem = save_key("k.pem", key.private_pem());

    CountingStore store(image, photon());
    const auto r = run_restore_device_key(store, pem, std::nullopt);
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(r.slot, dct::Slot::Tcp);
    EXPECT_TRUE(r.write.written);
    EXPECT_TRUE(r.write.verified);
    EXPECT_EQ(r.write.write_offset, 34u);
    EXPECT_EQ(r.write.write_length, 1634u - 34u);

    const Bytes after = read_all(image);
    ASSERT_EQ(after.size(), original.size());
    // 34..645: PKCS#1 DER, then 0xFF to 612 bytes.
    EXPECT_EQ(slice(after, 34, pkcs1.size()), pkcs1);
    EXPECT_EQ(slice(after, 34 + pkcs1.size(), 612 - pkcs1.size()), Bytes(612 - pkcs1.size(), 0xFF));
    // 1250..1633: 162-byte SPKI as the firmware derives it, then 222 zeros.
    EXPECT_EQ(slice(after, 1250, 162), firmware_public_key(pkcs1));
    EXPECT_EQ(slice(after, 1250, 162), key.spki_der());
    EXPECT_EQ(slice(after, 1412, 222), Bytes(222, 0x00));
    // Nothing else changed.
    for (std::size_t i : differing(original, after))
        EXPECT_TRUE((i >= 34 && i < 646) || (i >= 1250 && i < 1634)) << "byte " << i << " changed";
    // The backup holds the original bytes.
    ASSERT_TRUE(r.write.backup.has_value());
    EXPECT_EQ(read_all(*r.write.backup), original);
    EXPECT_EQ(fs::status(*r.write.backup).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    // The image decodes to this key, readable by Device OS, with a matching public key.
    const auto report = dct::decode_dct(photon(), after);
    EXPECT_EQ(report.tcp.device_key.state, dct::KeyState::Valid);
    EXPECT_TRUE(report.tcp.device_key.firmware_parser_ok);
    EXPECT_EQ(report.tcp.device_key.public_key, dct::PublicKeyState::Matches);
    EXPECT_EQ(report.tcp.device_key.public_fingerprint, keys::fingerprint(key));
    EXPECT_EQ(r.after.state, dct::KeyState::Valid);
    EXPECT_EQ(r.public_fingerprint, keys::fingerprint(key));
    EXPECT_EQ(r.public_pem.find("PRIVATE"), std::string::npos);
}

TEST_F(DeviceKeys, RestoreTheSampleKeyIsAlreadyCurrentOrFixesOnlyThePublicKey) {
    // tests/data/photon-device-key.pem is the key the sample image holds.
    CountingStore store(image, photon());
    const auto r = run_restore_device_key(store, kPhotonKey, dct::Slot::Tcp);
    const Bytes after = read_all(image);
    EXPECT_EQ(slice(after, 34, 612), slice(original, 34, 612)) << "the private key slot must be unchanged";
    for (std::size_t i : differing(original, after)) EXPECT_TRUE(i >= 1250 && i < 1634) << "byte " << i << " changed";
    EXPECT_EQ(store.writes, r.write.already_current ? 0 : 1);
    EXPECT_EQ(dct::decode_dct(photon(), after).tcp.device_key.public_key, dct::PublicKeyState::Matches);
}

TEST_F(DeviceKeys, RestoreUdpKeyOnElectronUsesSec1LengthAndRightAlignedPublicKey) {
    make_electron(0xFF); // UDP
    const keys::Key key = keys::generate_ec_p256();
    const Bytes sec1 = key.sec1_private_der();
    const auto pem = save_key("ec.pem", key.private_pem());

    CountingStore store(image, electron());
    const auto r = run_restore_device_key(store, pem, std::nullopt);
    EXPECT_EQ(r.slot, dct::Slot::Udp);
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(r.write.write_offset, 2978u);
    EXPECT_EQ(r.write.write_length, 3298u - 2978u);

    const Bytes after = read_all(image);
    // The length comes from the DER header: 30 77 => 2 + 0x77 = 121 bytes.
    ASSERT_EQ(after[3106], 0x30);
    const std::size_t der_len = 2 + after[3107];
    EXPECT_EQ(der_len, 121u);
    EXPECT_EQ(slice(after, 3106, der_len), sec1);
    EXPECT_EQ(slice(after, 3106 + der_len, 192 - der_len), Bytes(192 - der_len, 0xFF));
    // 2978..3105: 37 zeros then the 91-byte SPKI (0.8.0+ right alignment).
    EXPECT_EQ(slice(after, 2978, 37), Bytes(37, 0x00));
    const Bytes spki = slice(after, 2978 + 37, 91);
    EXPECT_EQ(slice(spki, 0, 27),
              hex("30 59 30 13 06 07 2a 86 48 ce 3d 02 01 06 08 2a 86 48 ce 3d 03 01 07 03 42 00 04"));
    EXPECT_EQ(spki, key.spki_der());
    for (std::size_t i : differing(original, after)) EXPECT_TRUE(i >= 2978 && i < 3298) << "byte " << i << " changed";
    ASSERT_TRUE(r.write.backup.has_value());
    EXPECT_EQ(read_all(*r.write.backup), original);

    const auto report = dct::decode_dct(electron(), after);
    ASSERT_TRUE(report.udp.has_value());
    EXPECT_EQ(report.udp->device_key.state, dct::KeyState::Valid);
    EXPECT_EQ(report.udp->device_key.public_key, dct::PublicKeyState::Matches);
    EXPECT_EQ(report.udp->device_key.public_key_alignment, "right");
}

TEST_F(DeviceKeys, RestoreTcpKeyOnElectronWithProtocolTcpWhileUnitUsesUdp) {
    make_electron(0xFF);
    const keys::Key key = keys::generate_device_rsa_key();
    const auto pem = save_key("k.pem", key.private_pem());
    {
        // Without --protocol the unit's UDP slot is chosen, and an RSA key does not fit it.
        CountingStore store(image, electron());
        try {
            run_restore_device_key(store, pem, std::nullopt);
            ADD_FAILURE() << "expected a refusal";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
            EXPECT_NE(std::string(e.hint()).find("--protocol tcp"), std::string::npos) << e.hint();
        }
        EXPECT_EQ(store.writes, 0);
        EXPECT_EQ(read_all(image), original);
    }
    CountingStore store(image, electron());
    const auto r = run_restore_device_key(store, pem, dct::Slot::Tcp);
    EXPECT_EQ(r.slot, dct::Slot::Tcp);
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(slice(read_all(image), 34, key.pkcs1_private_der().size()), key.pkcs1_private_der());
}

// Every refusal: nothing written, no backup, the image byte-identical.
struct RefusalCase {
    const char* name;
    std::string pem;
    std::optional<dct::Slot> slot;
    ErrorKind kind;
    std::string needle; // in the message
};

class DeviceKeyRefusals : public DeviceKeys {
protected:
    void expect_refused(const RefusalCase& c, const dct::Platform& platform) {
        SCOPED_TRACE(c.name);
        const auto pem = save_key(std::string(c.name) + ".pem", c.pem);
        const std::string before = keys::sha256_hex(read_all(image));
        CountingStore store(image, platform);
        try {
            run_restore_device_key(store, pem, c.slot);
            ADD_FAILURE() << c.name << ": expected a refusal";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), c.kind) << e.what();
            EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
        }
        EXPECT_EQ(store.writes, 0);
        EXPECT_EQ(keys::sha256_hex(read_all(image)), before);
        EXPECT_EQ(backups(), 0u);
    }
};

TEST_F(DeviceKeyRefusals, WrongKeysLeaveTheImageUntouched) {
    const auto ec = keys::generate_ec_p256();
    const std::vector<RefusalCase> cases{
        {"rsa2048", keys::generate_rsa(2048).private_pem(), std::nullopt, ErrorKind::InvalidInput, "RSA-2048"},
        {"ec-for-tcp", ec.private_pem(), dct::Slot::Tcp, ErrorKind::InvalidInput, "EC P-256"},
        {"ec-on-photon", ec.private_pem(), std::nullopt, ErrorKind::InvalidInput, "EC P-256"},
        {"e3", keys::generate_rsa(1024, 3).private_pem(), std::nullopt, ErrorKind::InvalidInput, "exponent"},
        {"public", keys::generate_device_rsa_key().public_pem(), std::nullopt, ErrorKind::InvalidInput, "public key"},
        {"garbage", "this is not a key\n\x01\x02\x03", std::nullopt, ErrorKind::InvalidInput, "not a PEM or DER key"},
        {"udp-on-photon", ec.private_pem(), dct::Slot::Udp, ErrorKind::Refused, "TCP"},
    };
    for (const auto& c : cases) expect_refused(c, photon());
}

TEST_F(DeviceKeyRefusals, ProtocolUdpOnAPhotonImageRefusedBeforeTheKeyIsEvenUsed) {
    // With --file the platform is known before anything is opened: Refused, whatever the key.
    const auto pem = save_key("rsa.pem", keys::generate_device_rsa_key().private_pem());
    ops::RestoreDeviceKeyRequest req;
    req.key_path = pem;
    req.slot = dct::Slot::Udp;
    try {
        ops::check_device_key_input(req, &photon());
        ADD_FAILURE() << "expected Refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Refused) << e.what();
        EXPECT_NE(std::string(e.what()).find("only uses TCP"), std::string::npos) << e.what();
    }
    // The use-case refuses it before reading the DCT.
    CountingStore store(image, photon());
    try {
        ops::Target target(store);
        ops::restore_device_key(target, req);
        ADD_FAILURE() << "expected Refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Refused) << e.what();
    }
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(image), original);
    EXPECT_EQ(backups(), 0u);
}

TEST_F(DeviceKeyRefusals, RsaKeyForTheUdpSlotOnElectron) {
    make_electron(0xFF);
    expect_refused({"rsa-udp", keys::generate_device_rsa_key().private_pem(), dct::Slot::Udp,
                    ErrorKind::InvalidInput, "EC P-256"},
                   electron());
}

TEST_F(DeviceKeyRefusals, MissingKeyFile) {
    CountingStore store(image, photon());
    EXPECT_THROW(
        {
            try {
                run_restore_device_key(store, keydir.path() / "nope.pem", std::nullopt);
            } catch (const Error& e) {
                EXPECT_EQ(e.kind(), ErrorKind::FileIo);
                throw;
            }
        },
        Error);
    EXPECT_EQ(read_all(image), original);
}

TEST_F(DeviceKeys, KeyWithAShortCrtValueIsRefusedByRestoreDeviceKey) {
    std::optional<keys::Key> crafted;
    std::string problem;
    for (int i = 0; i < 5000 && !crafted; ++i) {
        keys::Key k = keys::generate_rsa(1024);
        if (auto p = keys::firmware_rsa_layout_problem(k.pkcs1_private_der())) {
            crafted = k;
            problem = *p;
        }
    }
    if (!crafted) GTEST_SKIP() << "no RSA-1024 key with a short integer in 5000 tries";
    std::string why;
    EXPECT_FALSE(firmware_reads_correctly(crafted->pkcs1_private_der(), &why))
        << "the test-side parser disagrees: " << problem;

    const auto pem = save_key("short.pem", crafted->private_pem());
    const std::string before = keys::sha256_hex(read_all(image));
    CountingStore store(image, photon());
    try {
        run_restore_device_key(store, pem, std::nullopt);
        ADD_FAILURE() << "expected a refusal";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidInput);
        const std::string msg = e.what();
        EXPECT_NE(msg.find("fixed-position"), std::string::npos) << msg;
        // Names which integer: one of D, P, Q, DP, DQ, QP.
        EXPECT_TRUE(msg.find("private exponent D") != std::string::npos || msg.find("prime P") != std::string::npos ||
                    msg.find("prime Q") != std::string::npos || msg.find("CRT value") != std::string::npos ||
                    msg.find("modulus N") != std::string::npos)
            << msg;
    }
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(keys::sha256_hex(read_all(image)), before);
    EXPECT_EQ(backups(), 0u);
}

// ---- new-device-key ---------------------------------------------------------------------

ops::ExportPublicKeyResult export_key(CountingStore& store, std::optional<dct::Slot> slot) {
    ops::Target target(store);
    return ops::export_public_key(target, {slot, std::nullopt});
}

ops::NewDeviceKeyResult run_new_device_key(CountingStore& store, const fs::path& out_dir,
                                           std::optional<dct::Slot> slot, bool dry_run = false) {
    ops::NewDeviceKeyRequest req;
    req.slot = slot;
    req.out_dir = out_dir;
    req.write.dry_run = dry_run;
    ops::Target target(store);
    return ops::new_device_key(target, req);
}

TEST_F(DeviceKeys, NewTcpKeySavesBothFilesThenWritesAKeyTheFirmwareReads) {
    CountingStore store(image, photon());
    const auto r = run_new_device_key(store, keydir.path(), std::nullopt);
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(r.device_id, kPhotonDeviceId);
    EXPECT_TRUE(r.files_saved);
    EXPECT_EQ(r.private_key_path, keydir.path() / (std::string(kPhotonDeviceId) + ".pem"));
    EXPECT_EQ(r.public_key_path, keydir.path() / (std::string(kPhotonDeviceId) + ".pub.pem"));
    ASSERT_TRUE(fs::exists(r.private_key_path));
    ASSERT_TRUE(fs::exists(r.public_key_path));
    EXPECT_EQ(fs::status(r.private_key_path).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);

    const keys::Key saved = keys::load_key_file(r.private_key_path);
    const keys::Key saved_pub = keys::load_key_file(r.public_key_path);
    EXPECT_TRUE(saved.is_private());
    EXPECT_FALSE(saved_pub.is_private());
    EXPECT_EQ(saved.algorithm_name(), "RSA-1024");

    const Bytes after = read_all(image);
    const auto report = dct::decode_dct(photon(), after);
    EXPECT_EQ(report.tcp.device_key.state, dct::KeyState::Valid);
    EXPECT_TRUE(report.tcp.device_key.firmware_parser_ok) << report.tcp.device_key.problem;
    EXPECT_EQ(report.tcp.device_key.public_key, dct::PublicKeyState::Matches);
    EXPECT_EQ(report.tcp.device_key.public_fingerprint, keys::fingerprint(saved_pub));
    EXPECT_EQ(r.key.public_fingerprint, keys::fingerprint(saved_pub));
    EXPECT_EQ(slice(after, 34, saved.pkcs1_private_der().size()), saved.pkcs1_private_der());
    EXPECT_TRUE(firmware_reads_correctly(saved.pkcs1_private_der()));
    for (std::size_t i : differing(original, after))
        EXPECT_TRUE((i >= 34 && i < 646) || (i >= 1250 && i < 1634)) << "byte " << i << " changed";
    // No private material in the result.
    EXPECT_EQ(r.key.public_pem.find("PRIVATE"), std::string::npos);

    // export-public-key returns the public half of the key just written.
    const auto exported = export_key(store, std::nullopt);
    EXPECT_EQ(exported.public_pem, saved_pub.public_pem());
    EXPECT_EQ(exported.fingerprint, keys::fingerprint(saved_pub));
    EXPECT_EQ(exported.unit.device_id, std::optional<std::string>(kPhotonDeviceId));
}

TEST_F(DeviceKeys, NewUdpKeyOnElectron) {
    make_electron(0xFF);
    CountingStore store(image, electron());
    const auto r = run_new_device_key(store, keydir.path(), std::nullopt);
    EXPECT_EQ(r.key.slot, dct::Slot::Udp);
    EXPECT_EQ(store.writes, 1);
    const keys::Key saved = keys::load_key_file(r.private_key_path);
    EXPECT_EQ(saved.algorithm_name(), "EC P-256");
    EXPECT_EQ(fs::status(r.private_key_path).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write);
    const auto report = dct::decode_dct(electron(), read_all(image));
    ASSERT_TRUE(report.udp.has_value());
    EXPECT_EQ(report.udp->device_key.state, dct::KeyState::Valid);
    EXPECT_EQ(report.udp->device_key.public_key, dct::PublicKeyState::Matches);
    EXPECT_EQ(report.udp->device_key.public_fingerprint, keys::fingerprint(keys::load_key_file(r.public_key_path)));
    const auto exported = export_key(store, std::nullopt);
    EXPECT_EQ(exported.public_pem, saved.public_pem());
}

TEST_F(DeviceKeys, NewKeyNeverOverwritesKeyFilesAndThenWritesNothing) {
    write_text(keydir.path() / (std::string(kPhotonDeviceId) + ".pub.pem"), "old\n");
    CountingStore store(image, photon());
    try {
        run_new_device_key(store, keydir.path(), std::nullopt);
        ADD_FAILURE() << "expected a refusal";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo) << e.what();
    }
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(image), original);
    EXPECT_FALSE(fs::exists(keydir.path() / (std::string(kPhotonDeviceId) + ".pem")));
    EXPECT_EQ(backups(), 0u);
}

TEST_F(DeviceKeys, NewKeyDryRunSavesAndWritesNothing) {
    CountingStore store(image, photon());
    const auto r = run_new_device_key(store, keydir.path(), std::nullopt, /*dry_run=*/true);
    EXPECT_FALSE(r.files_saved);
    EXPECT_TRUE(r.key.write.dry_run);
    EXPECT_FALSE(r.key.write.changed.empty());
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(keydir.count(), 0u);
    EXPECT_EQ(read_all(image), original);
    EXPECT_EQ(backups(), 0u);
}

TEST_F(DeviceKeys, NewKeyNamedAfterTheUsbSerialWhenTheDctHasNoDeviceId) {
    std::fill(original.begin() + 3618, original.begin() + 3630, 0xFF);
    write_all(image, original);
    {
        CountingStore store(image, photon());
        try {
            run_new_device_key(store, keydir.path(), std::nullopt);
            ADD_FAILURE() << "expected a refusal without any device ID";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::DeviceDataInvalid) << e.what();
        }
        EXPECT_EQ(read_all(image), original);
    }
    CountingStore store(image, photon());
    store.usb_id = "0123456789abcdef01234567";
    const auto r = run_new_device_key(store, keydir.path(), std::nullopt);
    EXPECT_EQ(r.device_id, "0123456789abcdef01234567");
    EXPECT_TRUE(fs::exists(keydir.path() / "0123456789abcdef01234567.pem"));
}

TEST_F(DeviceKeys, NewKeyRefusesUdpOnPhotonAndAMissingOutDir) {
    CountingStore store(image, photon());
    ops::NewDeviceKeyRequest req;
    req.slot = dct::Slot::Udp;
    req.out_dir = keydir.path();
    EXPECT_THROW(ops::check_new_device_key_input(req, &store.platform()), Error);
    ops::Target target(store);
    EXPECT_THROW(ops::new_device_key(target, req), Error);
    req.slot.reset();
    req.out_dir = keydir.path() / "missing";
    try {
        ops::check_new_device_key_input(req, nullptr);
        ADD_FAILURE() << "expected a refusal";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::FileIo);
    }
    EXPECT_EQ(store.writes, 0);
    EXPECT_EQ(read_all(image), original);
    EXPECT_EQ(keydir.count(), 0u);
}

// ---- export-public-key ------------------------------------------------------------------

TEST_F(DeviceKeys, ExportPublicKeyOfTheSampleImageIsTheSampleKeysPublicHalf) {
    CountingStore store(image, photon());
    const auto r = export_key(store, std::nullopt);
    const keys::Key sample = keys::load_key_file(kPhotonKey);
    EXPECT_EQ(r.public_pem, sample.public_pem());
    EXPECT_EQ(r.fingerprint, keys::fingerprint(sample));
    EXPECT_EQ(r.algorithm, "RSA-1024");
    EXPECT_EQ(r.public_pem.find("PRIVATE"), std::string::npos);
    EXPECT_EQ(store.writes, 0);
}

TEST_F(DeviceKeys, ExportPublicKeyOfABlankOrGarbageSlotIsDeviceDataInvalid) {
    auto expect_invalid = [&](const char* needle) {
        CountingStore store(image, photon());
        try {
            export_key(store, std::nullopt);
            ADD_FAILURE() << "expected DeviceDataInvalid";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::DeviceDataInvalid) << e.what();
            EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
        }
    };
    Bytes blank = original;
    std::fill(blank.begin() + 34, blank.begin() + 646, 0xFF);
    write_all(image, blank);
    expect_invalid("blank");
    Bytes garbage = original;
    for (std::size_t i = 34; i < 646; ++i) garbage[i] = static_cast<std::uint8_t>(i * 7);
    write_all(image, garbage);
    expect_invalid("garbage");
    // Electron UDP slot of the sample is erased.
    make_electron(0xFF);
    CountingStore store(image, electron());
    EXPECT_THROW(export_key(store, std::nullopt), Error);
    EXPECT_NO_THROW(export_key(store, dct::Slot::Tcp));
}

} // namespace
