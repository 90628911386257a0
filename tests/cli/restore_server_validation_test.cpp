// Every validation rule of restore-server (issue 2 item 4), each as its own test, through the real
// CLI on a copy of the field-failure image in a fresh temp dir. Each test checks: the exit code,
// stderr starting with "error:" and naming the problem, the image's SHA-256 unchanged, and no
// other file (no backup) in the image's directory.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <optional>

#include "cli_test_support.hpp"

namespace {

using namespace cli_test;
namespace keys = photon_dct::keys;

enum class KeyKind {
    ServerPub,      // tests/data/private-cloud-server.pub.pem (RSA-2048, e=65537)
    Rsa1024,        // RSA-1024 public key
    Rsa2048E3,      // RSA-2048 with e=3
    EcP256,         // EC P-256 public key
    Garbage,        // text that is no key
    Empty,          // a 0-byte file
    Missing,        // no such file
    EncryptedPkcs8, // "ENCRYPTED PRIVATE KEY"
    EncryptedTrad,  // "RSA PRIVATE KEY" with Proc-Type: 4,ENCRYPTED
};

enum class ImageKind { Copy, Short100, Missing };

struct Case {
    std::string name;
    std::string host = "cloud.example.com";
    std::optional<std::string> port;
    KeyKind key = KeyKind::ServerPub;
    std::string platform; // "" = default (photon)
    std::string protocol; // "" = default
    ImageKind image = ImageKind::Copy;
    int exit_code = 7;
    std::vector<std::string> message; // substrings the error line must contain
    // The image itself is the problem, so it has to be read first: a "reading the DCT of ..."
    // progress line may come before the error. Every other rule is about what the user typed and
    // is checked before the image (or a unit) is touched: stderr starts with "error:".
    bool needs_image = false;
};

void PrintTo(const Case& k, std::ostream* os) { *os << k.name; }

std::string encrypted_pem(const keys::Key& key, bool traditional) {
    const std::string pem = key.private_pem();
    BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
    BIO_free(in);
    if (!pkey) throw std::runtime_error("PEM_read_bio_PrivateKey failed");
    BIO* out = BIO_new(BIO_s_mem());
    static char pass[] = "correct horse";
    const int ok =
        traditional
            ? PEM_write_bio_PrivateKey_traditional(out, pkey, EVP_aes_128_cbc(), reinterpret_cast<unsigned char*>(pass),
                                                   static_cast<int>(sizeof pass - 1), nullptr, nullptr)
            : PEM_write_bio_PKCS8PrivateKey(out, pkey, EVP_aes_256_cbc(), pass, static_cast<int>(sizeof pass - 1),
                                            nullptr, nullptr);
    EVP_PKEY_free(pkey);
    if (ok != 1) {
        BIO_free(out);
        throw std::runtime_error("writing the encrypted PEM failed");
    }
    char* data = nullptr;
    const long n = BIO_get_mem_data(out, &data);
    std::string text(data, static_cast<std::size_t>(n));
    BIO_free(out);
    return text;
}

// Writes the key file for `kind` into `dir`; returns its path.
fs::path make_key(KeyKind kind, const fs::path& dir) {
    const fs::path p = dir / "server-key.pem";
    switch (kind) {
    case KeyKind::ServerPub:
        fs::copy_file(kServerPub, p);
        break;
    case KeyKind::Rsa1024:
        write_text(p, keys::generate_rsa(1024).public_pem());
        break;
    case KeyKind::Rsa2048E3:
        write_text(p, keys::generate_rsa(2048, 3).public_pem());
        break;
    case KeyKind::EcP256:
        write_text(p, keys::generate_ec_p256().public_pem());
        break;
    case KeyKind::Garbage:
        write_text(p, "this is not a key, just some text\nwith two lines\n");
        break;
    case KeyKind::Empty:
        write_text(p, "");
        break;
    case KeyKind::Missing:
        break;
    case KeyKind::EncryptedPkcs8:
        write_text(p, encrypted_pem(keys::generate_rsa(2048), false));
        break;
    case KeyKind::EncryptedTrad:
        write_text(p, encrypted_pem(keys::generate_rsa(2048), true));
        break;
    }
    return p;
}

std::vector<Case> cases() {
    std::vector<Case> c;
    const auto host = [&](std::string name, std::string h, std::vector<std::string> msg) {
        Case k;
        k.name = std::move(name);
        k.host = std::move(h);
        k.message = std::move(msg);
        k.message.push_back("--host");
        c.push_back(k);
    };
    host("HostEmpty", "", {"empty host"});
    host("HostThreeOctets", "1.2.3", {"four parts"});
    host("HostFiveOctets", "1.2.3.4.5", {"four parts"});
    host("HostOctet256", "256.1.1.1", {"'256'", "0 to 255"});
    host("HostAllZero", "0.0.0.0", {"0.0.0.0 is not a server address"});
    host("HostBroadcast", "255.255.255.255", {"broadcast"});
    host("HostIpv6Loopback", "::1", {"IPv6"});
    host("HostIpv6Bracketed", "[2001:db8::1]", {"IPv6"});
    host("HostWithPort", "host:5683", {"host:port"});
    host("HostNonAscii",
         "b\xc3\xbc"
         "cher.example",
         {"non-ASCII"});
    host("Host64Characters", std::string(60, 'a') + ".com", {"64 characters", "63"});
    host("HostLeadingHyphen", "-a.example", {"'-a'", "hyphen"});
    host("HostEmptyLabel", "a..b", {"empty label"});
    host("HostUnderscore", "under_score.example", {"'_'", "not allowed"});

    const auto port = [&](std::string name, std::string p, std::vector<std::string> msg) {
        Case k;
        k.name = std::move(name);
        k.port = std::move(p);
        k.message = std::move(msg);
        k.message.push_back("--port");
        c.push_back(k);
    };
    port("PortZero", "0", {"out of range"});
    port("Port65535", "65535", {"out of range"});
    port("Port65536", "65536", {"out of range"});
    port("PortLetters", "abc", {"not a decimal number"});
    port("PortNegative", "-1", {"not a decimal number"});

    const auto key = [&](std::string name, KeyKind kind, std::vector<std::string> msg, int code = 7) {
        Case k;
        k.name = std::move(name);
        k.key = kind;
        k.message = std::move(msg);
        k.exit_code = code;
        c.push_back(k);
    };
    key("KeyRsa1024", KeyKind::Rsa1024, {"RSA-1024", "RSA-2048"});
    key("KeyRsa2048Exponent3", KeyKind::Rsa2048E3, {"exponent", "65537"});
    key("KeyEcForTcp", KeyKind::EcP256, {"EC P-256", "TCP slot needs RSA-2048"});
    key("KeyGarbage", KeyKind::Garbage, {"--pem", "not a PEM or DER key"});
    key("KeyEmptyFile", KeyKind::Empty, {"--pem", "empty"});
    key("KeyMissingFile", KeyKind::Missing, {"--pem", "no such file"}, 8);
    key("KeyEncryptedPkcs8", KeyKind::EncryptedPkcs8, {"--pem", "encrypted"});
    key("KeyEncryptedTraditional", KeyKind::EncryptedTrad, {"--pem", "encrypted"});
    {
        Case k;
        k.name = "KeyRsaForUdpOnElectron";
        k.platform = "electron";
        k.protocol = "udp";
        k.message = {"RSA-2048", "UDP slot needs EC P-256"};
        c.push_back(k);
    }
    {
        Case k;
        k.name = "ProtocolUdpOnPhoton";
        k.protocol = "udp";
        k.exit_code = 10;
        k.message = {"--protocol udp", "only uses TCP"};
        c.push_back(k);
    }
    {
        Case k;
        k.name = "ImageTooShort";
        k.image = ImageKind::Short100;
        k.needs_image = true;
        k.message = {"100 bytes", "too short"};
        c.push_back(k);
    }
    {
        Case k;
        k.name = "ImageMissing";
        k.image = ImageKind::Missing;
        k.needs_image = true;
        k.exit_code = 8;
        k.message = {"unit.dct", "cannot open"};
        c.push_back(k);
    }
    return c;
}

class RestoreServerRefusal : public ::testing::TestWithParam<Case> {};

TEST_P(RestoreServerRefusal, RefusedWithoutTouchingTheImage) {
    const Case& k = GetParam();
    TempDir image_dir; // holds only the image: any other entry afterwards is a stray file
    TempDir key_dir;
    const fs::path image = image_dir / "unit.dct";
    switch (k.image) {
    case ImageKind::Copy:
        fs::copy_file(kFieldFailure, image);
        break;
    case ImageKind::Short100: {
        auto bytes = read_bytes(kFieldFailure);
        bytes.resize(100);
        write_bytes(image, bytes);
        break;
    }
    case ImageKind::Missing:
        break;
    }
    const fs::path key = make_key(k.key, key_dir.path());
    const bool image_exists = fs::exists(image);
    const std::string sha_before = image_exists ? sha256_file(image) : "";
    const auto before = entries(image_dir.path());

    std::vector<std::string> args{"restore-server", "--file", image.string(), "--pem", key.string(), "--host", k.host};
    if (k.port) args.push_back("--port=" + *k.port);
    if (!k.platform.empty()) args.insert(args.end(), {"--platform", k.platform});
    if (!k.protocol.empty()) args.insert(args.end(), {"--protocol", k.protocol});
    // Run in the image's directory so a stray file from the default --backup-dir (.) would show too.
    const auto r = run(args, image_dir.path());

    EXPECT_EQ(r.status, k.exit_code) << "stderr: " << r.err;
    // The error line names the problem.
    const auto at = r.err.rfind("error:", 0) == 0 ? 0 : r.err.find("\nerror:");
    ASSERT_NE(at, std::string::npos) << "no error line on stderr: " << r.err;
    const std::string error_line =
        r.err.substr(at == 0 ? 0 : at + 1, r.err.find('\n', at + 1) - (at == 0 ? 0 : at + 1));
    for (const auto& part : k.message)
        EXPECT_TRUE(contains(error_line, part)) << "missing '" << part << "' in: " << error_line;
    // Nothing but the error comes first: an input rule is checked before the image is read.
    if (k.needs_image) {
        std::string rest = r.err;
        while (starts_with(rest, "reading the DCT of ")) rest.erase(0, rest.find('\n') + 1);
        EXPECT_TRUE(starts_with(rest, "error:")) << "stderr: " << r.err;
    } else {
        EXPECT_TRUE(starts_with(r.err, "error:"))
            << "stderr does not start with \"error:\" (the rule was checked only after reading the image):\n"
            << r.err;
    }
    EXPECT_EQ(r.out, "") << "a refusal prints nothing on stdout";

    if (image_exists) {
        EXPECT_EQ(sha256_file(image), sha_before) << "the image changed on disk";
    } else {
        EXPECT_FALSE(fs::exists(image)) << "a missing image was created";
    }
    EXPECT_EQ(entries(image_dir.path()), before) << "a file appeared next to the image (backup or temp file)";
}

INSTANTIATE_TEST_SUITE_P(Rule, RestoreServerRefusal, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

// `--port -1` (separate argument) must be read as the value of --port, not as an option.
TEST(RestoreServerRefusalSeparateArg, NegativePortAsSeparateArgument) {
    TempDir dir;
    const fs::path image = dir / "unit.dct";
    fs::copy_file(kFieldFailure, image);
    const std::string sha = sha256_file(image);
    const auto r = run({"restore-server", "--file", image.string(), "--pem", kServerPub.string(), "--host",
                        "cloud.example.com", "--port", "-1"},
                       dir.path());
    EXPECT_NE(r.status, 0);
    EXPECT_TRUE(starts_with(r.err, "error:")) << r.err;
    EXPECT_EQ(sha256_file(image), sha);
    EXPECT_EQ(entries(dir.path()), std::set<std::string>{"unit.dct"});
}

} // namespace
