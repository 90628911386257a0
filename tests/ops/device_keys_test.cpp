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

#include "ops_test_support.hpp"

namespace {

using namespace ops_test;

const fs::path kPhotonKey = fs::path(PHOTON_DCT_TEST_DATA) / "photon-device-key.pem";
constexpr const char* kPhotonDeviceId = "3a0036000247363333343435";

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }
Bytes slice(const Bytes& b, std::size_t offset, std::size_t size) {
    return Bytes(b.begin() + static_cast<std::ptrdiff_t>(offset),
                 b.begin() + static_cast<std::ptrdiff_t>(offset + size));
}
Bytes hex(std::string_view text) {
    Bytes out;
    std::string digits;
    for (char c : text)
        if (c != ' ') digits.push_back(c);
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(digits.substr(i, 2), nullptr, 16)));
    return out;
}

// Counts the writes that reach the FileStore.

// Everything the CLI does for restore-device-key: check the input, then the store.
ops::DeviceKeyResult run_restore_device_key(CountingStore& store, const fs::path& key,
                                            std::optional<dct::Transport> protocol, bool platform_known = true,
                                            bool dry_run = false) {
    ops::RestoreDeviceKeyRequest req;
    req.key_path = key;
    req.protocol = protocol;
    req.write.dry_run = dry_run;
    const auto input = ops::check_device_key_input(req, platform_known ? &store.platform() : nullptr);
    return ops::restore_device_key(store, req, input);
}

// Bytes that differ between a and b, as [first, last] offsets.
std::vector<std::size_t> differing(const Bytes& a, const Bytes& b) {
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        if (a[i] != b[i]) out.push_back(i);
    return out;
}

// ---- A test-side DER walk and the firmware's fixed-position parser (docs/dct-format.md 5.1) ----

struct RsaFields {
    Bytes n, e, d, p, q, dp, dq, qp;
};

// Generic DER walk of PKCS#1 RSAPrivateKey: SEQUENCE { version, n, e, d, p, q, dp, dq, qp }.
// Integers are returned minimal (no leading zero), big-endian.
std::optional<RsaFields> der_walk(const Bytes& der) {
    std::size_t pos = 0;
    auto tlv = [&](std::uint8_t tag, std::size_t& len) -> bool {
        if (pos + 2 > der.size() || der[pos] != tag) return false;
        std::size_t l = der[pos + 1];
        pos += 2;
        if (l & 0x80) {
            const std::size_t nbytes = l & 0x7F;
            if (nbytes == 0 || nbytes > 2 || pos + nbytes > der.size()) return false;
            l = 0;
            for (std::size_t i = 0; i < nbytes; ++i) l = (l << 8) | der[pos++];
        }
        len = l;
        return pos + len <= der.size();
    };
    std::size_t len = 0;
    if (!tlv(0x30, len)) return std::nullopt;
    std::vector<Bytes> ints;
    for (int i = 0; i < 9; ++i) {
        if (!tlv(0x02, len)) return std::nullopt;
        Bytes v(der.begin() + static_cast<std::ptrdiff_t>(pos), der.begin() + static_cast<std::ptrdiff_t>(pos + len));
        while (v.size() > 1 && v[0] == 0) v.erase(v.begin());
        ints.push_back(v);
        pos += len;
    }
    return RsaFields{ints[1], ints[2], ints[3], ints[4], ints[5], ints[6], ints[7], ints[8]};
}

// What Device OS's init_rsa_context_with_private_key reads: length byte at [9] (odd => skip a
// leading zero), N 128 bytes, E skipped as 02 03 01 00 01, D 128, then P, Q, DP, DQ, QP 64 each;
// before each the low bit of the length byte says whether a leading 0x00 is skipped.
struct FirmwareView {
    Bytes n, d, p, q, dp, dq, qp;
    bool e_is_65537 = false;
};
FirmwareView firmware_parse(const Bytes& der) {
    FirmwareView v;
    std::size_t pos = 9; // N's length byte: 30 82 LL LL | 02 01 00 | 02 81 [LEN]
    auto take = [&](std::size_t width) {
        const std::uint8_t len_byte = der.at(pos);
        pos += 1;
        if (len_byte & 1) pos += 1; // odd length: a leading 0x00 to skip
        Bytes out(der.begin() + static_cast<std::ptrdiff_t>(pos),
                  der.begin() + static_cast<std::ptrdiff_t>(pos + width));
        pos += width;
        return out;
    };
    v.n = take(128);
    v.e_is_65537 = slice(der, pos, 5) == Bytes{0x02, 0x03, 0x01, 0x00, 0x01};
    pos += 5;
    pos += 2; // D: 02 81 [LEN]
    v.d = take(128);
    for (Bytes* f : {&v.p, &v.q, &v.dp, &v.dq, &v.qp}) {
        pos += 1; // 02 [LEN]
        *f = take(64);
    }
    return v;
}

Bytes left_pad(const Bytes& v, std::size_t width) {
    if (v.size() >= width) return v;
    Bytes out(width - v.size(), 0x00);
    out.insert(out.end(), v.begin(), v.end());
    return out;
}

// True when the firmware's fixed positions yield the key's real integers.
bool firmware_reads_correctly(const Bytes& der, std::string* why = nullptr) {
    const auto real = der_walk(der);
    if (!real) {
        if (why) *why = "not a PKCS#1 DER";
        return false;
    }
    FirmwareView fw;
    try {
        fw = firmware_parse(der);
    } catch (const std::exception&) {
        if (why) *why = "fixed positions run past the DER";
        return false;
    }
    const std::array<std::pair<const char*, bool>, 8> checks{{
        {"N", fw.n == left_pad(real->n, 128)},
        {"E", fw.e_is_65537 && real->e == Bytes({0x01, 0x00, 0x01})},
        {"D", fw.d == left_pad(real->d, 128)},
        {"P", fw.p == left_pad(real->p, 64)},
        {"Q", fw.q == left_pad(real->q, 64)},
        {"DP", fw.dp == left_pad(real->dp, 64)},
        {"DQ", fw.dq == left_pad(real->dq, 64)},
        {"QP", fw.qp == left_pad(real->qp, 64)},
    }};
    for (const auto& [name, ok] : checks)
        if (!ok) {
            if (why) *why = std::string(name) + " misread";
            return false;
        }
    return true;
}

// docs/dct-format.md 5.2: the firmware's 162-byte SPKI = 29-byte header + privkey[11..138] + 02 03 01 00 01.
Bytes firmware_public_key(const Bytes& pkcs1) {
    Bytes out = hex("30 81 9f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 01 05 00 03 81 8d 00 30 81 89 02 81 81 00");
    out.insert(out.end(), pkcs1.begin() + 11, pkcs1.begin() + 139);
    const Bytes e = hex("02 03 01 00 01");
    out.insert(out.end(), e.begin(), e.end());
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
    EXPECT_EQ(r.transport, dct::Transport::Tcp);
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
    const auto r = run_restore_device_key(store, kPhotonKey, dct::Transport::Tcp);
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
    EXPECT_EQ(r.transport, dct::Transport::Udp);
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
            run_restore_device_key(store, pem, std::nullopt, /*platform_known=*/false);
            ADD_FAILURE() << "expected a refusal";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidInput) << e.what();
            EXPECT_NE(std::string(e.hint()).find("--protocol tcp"), std::string::npos) << e.hint();
        }
        EXPECT_EQ(store.writes, 0);
        EXPECT_EQ(read_all(image), original);
    }
    CountingStore store(image, electron());
    const auto r = run_restore_device_key(store, pem, dct::Transport::Tcp);
    EXPECT_EQ(r.transport, dct::Transport::Tcp);
    EXPECT_EQ(store.writes, 1);
    EXPECT_EQ(slice(read_all(image), 34, key.pkcs1_private_der().size()), key.pkcs1_private_der());
}

// Every refusal: nothing written, no backup, the image byte-identical.
struct RefusalCase {
    const char* name;
    std::string pem;
    std::optional<dct::Transport> protocol;
    ErrorKind kind;
    std::string needle; // in the message
};

class DeviceKeyRefusals : public DeviceKeys {
protected:
    void expect_refused(const RefusalCase& c, const dct::Platform& platform) {
        SCOPED_TRACE(c.name);
        const auto pem = save_key(std::string(c.name) + ".pem", c.pem);
        const std::string before = keys::sha256_hex(read_all(image));
        for (bool platform_known : {true, false}) {
            CountingStore store(image, platform);
            try {
                run_restore_device_key(store, pem, c.protocol, platform_known);
                ADD_FAILURE() << c.name << ": expected a refusal";
            } catch (const Error& e) {
                EXPECT_EQ(e.kind(), c.kind) << e.what();
                EXPECT_NE(std::string(e.what()).find(c.needle), std::string::npos) << e.what();
            }
            EXPECT_EQ(store.writes, 0);
        }
        EXPECT_EQ(keys::sha256_hex(read_all(image)), before);
        EXPECT_EQ(backups(), 0u);
    }
};

TEST_F(DeviceKeyRefusals, WrongKeysLeaveTheImageUntouched) {
    const auto ec = keys::generate_ec_p256();
    const std::vector<RefusalCase> cases{
        {"rsa2048", keys::generate_rsa(2048).private_pem(), std::nullopt, ErrorKind::InvalidInput, "RSA-2048"},
        {"ec-for-tcp", ec.private_pem(), dct::Transport::Tcp, ErrorKind::InvalidInput, "EC P-256"},
        {"ec-on-photon", ec.private_pem(), std::nullopt, ErrorKind::InvalidInput, "EC P-256"},
        {"e3", keys::generate_rsa(1024, 3).private_pem(), std::nullopt, ErrorKind::InvalidInput, "exponent"},
        {"public", keys::generate_device_rsa_key().public_pem(), std::nullopt, ErrorKind::InvalidInput, "public key"},
        {"garbage", "this is not a key\n\x01\x02\x03", std::nullopt, ErrorKind::InvalidInput, "not a PEM or DER key"},
        {"udp-on-photon", ec.private_pem(), dct::Transport::Udp, ErrorKind::Refused, "TCP"},
    };
    for (const auto& c : cases) expect_refused(c, photon());
}

TEST_F(DeviceKeyRefusals, ProtocolUdpOnAPhotonImageRefusedBeforeTheKeyIsEvenUsed) {
    // With --file the platform is known before anything is opened: Refused, whatever the key.
    const auto pem = save_key("rsa.pem", keys::generate_device_rsa_key().private_pem());
    ops::RestoreDeviceKeyRequest req;
    req.key_path = pem;
    req.protocol = dct::Transport::Udp;
    try {
        ops::check_device_key_input(req, &photon());
        ADD_FAILURE() << "expected Refused";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Refused) << e.what();
        EXPECT_NE(std::string(e.what()).find("only uses TCP"), std::string::npos) << e.what();
    }
    // The store path refuses it too (a unit on USB reports its platform only once opened).
    CountingStore store(image, photon());
    const keys::Key key = keys::generate_ec_p256();
    const ops::DeviceKeyInput input{key, dct::Transport::Udp, key.algorithm_name(), keys::fingerprint(key)};
    try {
        ops::restore_device_key(store, req, input);
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
    expect_refused({"rsa-udp", keys::generate_device_rsa_key().private_pem(), dct::Transport::Udp,
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

// ---- the firmware's fixed-position RSA parser ---------------------------------------------

TEST(DeviceKeyGeneration, TwoHundredGeneratedKeysPassTheFixedPositionParser) {
    for (int i = 0; i < 200; ++i) {
        const keys::Key key = keys::generate_device_rsa_key();
        ASSERT_EQ(key.bits(), 1024);
        ASSERT_EQ(key.rsa_public_exponent(), 65537u);
        const Bytes der = key.pkcs1_private_der();
        ASSERT_LE(der.size(), 612u) << "key " << i;
        const auto real = der_walk(der);
        ASSERT_TRUE(real.has_value()) << "key " << i;
        EXPECT_EQ(real->n, key.rsa_modulus()) << "key " << i << ": the DER walk disagrees with OpenSSL's modulus";
        std::string why;
        EXPECT_TRUE(firmware_reads_correctly(der, &why)) << "key " << i << ": " << why;
        EXPECT_EQ(firmware_parse(der).n, key.rsa_modulus()) << "key " << i;
    }
}

TEST(DeviceKeyGeneration, TestParserCatchesAShortIntegerInASyntheticDer) {
    // Self-check of the test-side parser: a well-formed key passes, and the same DER with one CRT
    // value re-encoded shorter does not.
    const Bytes good = keys::generate_device_rsa_key().pkcs1_private_der();
    ASSERT_TRUE(firmware_reads_correctly(good));
    auto real = der_walk(good);
    ASSERT_TRUE(real.has_value());
    // Rebuild with QP stripped of its first byte (a 63-byte value): "02 3f ...".
    Bytes body = hex("02 01 00");
    auto put_int = [&](const Bytes& v) {
        Bytes enc = v;
        if (enc[0] & 0x80) enc.insert(enc.begin(), 0x00);
        body.push_back(0x02);
        if (enc.size() >= 128) {
            body.push_back(0x81);
        }
        body.push_back(static_cast<std::uint8_t>(enc.size()));
        body.insert(body.end(), enc.begin(), enc.end());
    };
    Bytes short_qp(real->qp.begin() + 1, real->qp.end());
    short_qp[0] &= 0x7F;
    for (const Bytes* v : {&real->n, &real->e, &real->d, &real->p, &real->q, &real->dp, &real->dq}) put_int(*v);
    put_int(short_qp);
    Bytes der = {0x30, 0x82, static_cast<std::uint8_t>(body.size() >> 8),
                 static_cast<std::uint8_t>(body.size() & 0xFF)};
    der.insert(der.end(), body.begin(), body.end());
    std::string why;
    EXPECT_FALSE(firmware_reads_correctly(der, &why));
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

ops::NewDeviceKeyResult run_new_device_key(CountingStore& store, const fs::path& out_dir,
                                           std::optional<dct::Transport> protocol, bool dry_run = false) {
    ops::NewDeviceKeyRequest req;
    req.protocol = protocol;
    req.out_dir = out_dir;
    req.write.dry_run = dry_run;
    ops::check_new_device_key_input(req, &store.platform());
    return ops::new_device_key(store, req);
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
    const auto exported = ops::export_public_key(store, std::nullopt);
    EXPECT_EQ(exported.public_pem, saved_pub.public_pem());
    EXPECT_EQ(exported.fingerprint, keys::fingerprint(saved_pub));
    EXPECT_EQ(exported.device_id, std::optional<std::string>(kPhotonDeviceId));
}

TEST_F(DeviceKeys, NewUdpKeyOnElectron) {
    make_electron(0xFF);
    CountingStore store(image, electron());
    const auto r = run_new_device_key(store, keydir.path(), std::nullopt);
    EXPECT_EQ(r.key.transport, dct::Transport::Udp);
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
    const auto exported = ops::export_public_key(store, std::nullopt);
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
    req.protocol = dct::Transport::Udp;
    req.out_dir = keydir.path();
    EXPECT_THROW(ops::check_new_device_key_input(req, &store.platform()), Error);
    EXPECT_THROW(ops::new_device_key(store, req), Error);
    req.protocol.reset();
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
    const auto r = ops::export_public_key(store, std::nullopt);
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
            ops::export_public_key(store, std::nullopt);
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
    EXPECT_THROW(ops::export_public_key(store, std::nullopt), Error);
    EXPECT_NO_THROW(ops::export_public_key(store, dct::Transport::Tcp));
}

} // namespace
