// Key files from the user: PEM or DER, public or private. Messages name the argument and describe
// what the bytes look like, never what they contain.
#include "asn1.hpp"
#include "ossl.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include <openssl/pem.h>
#include <openssl/x509.h>

namespace photon_dct::keys {

using namespace detail;

namespace {

constexpr const char* kFormatHint =
    "Give an RSA or EC key in PEM (\"-----BEGIN ... KEY-----\") or DER form: a public key "
    "(SubjectPublicKeyInfo or PKCS#1) or an unencrypted private key (PKCS#1, SEC1 or PKCS#8).";
constexpr const char* kDecryptHint =
    "Decrypt it first (e.g. `openssl pkey -in key.pem -out key-plain.pem`), pass the plain copy, "
    "and keep that copy safe.";
constexpr std::size_t kMaxKeyFile = 1024 * 1024;

[[noreturn]] void not_a_key(std::string_view what, const std::string& looks_like) {
    throw Error(ErrorKind::InvalidInput, std::string(what) + ": not a PEM or DER key (" + looks_like + ")",
                kFormatHint);
}

[[noreturn]] void encrypted(std::string_view what) {
    throw Error(ErrorKind::InvalidInput, std::string(what) + ": the private key is encrypted", kDecryptHint);
}

std::string plural_bytes(std::size_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

bool all_equal(ByteView b, std::uint8_t v) {
    return std::all_of(b.begin(), b.end(), [v](std::uint8_t x) { return x == v; });
}

bool looks_like_text(ByteView b) {
    return std::all_of(b.begin(), b.end(), [](std::uint8_t c) {
        return c == '\t' || c == '\n' || c == '\r' || c == '\f' || (c >= 0x20 && c < 0x7f) || c >= 0x80;
    });
}

bool contains(ByteView hay, std::string_view needle) {
    const auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(),
                                [](std::uint8_t a, char b) { return a == static_cast<std::uint8_t>(b); });
    return it != hay.end();
}

// Describes bytes that are not a key, without revealing their content.
std::string describe(ByteView content) {
    const std::size_t n = content.size();
    if (n == 0) return "the file is empty";
    if (all_equal(content, 0xFF)) return plural_bytes(n) + ", all 0xFF: blank flash, no key";
    if (all_equal(content, 0x00)) return plural_bytes(n) + ", all zero";
    if (looks_like_text(content)) return plural_bytes(n) + " of text without a \"-----BEGIN\" line";
    if (content[0] != 0x30) return plural_bytes(n) + " of binary data that do not start with a DER SEQUENCE";
    if (!der_sequence_length(content))
        return plural_bytes(n) + " starting like a DER SEQUENCE that is truncated or has a bad length";
    return "a DER SEQUENCE that is not a key format this tool reads";
}

// True if `der` is exactly one PKCS#8 PrivateKeyInfo. OpenSSL's "PrivateKeyInfo" decoder also takes
// type-specific encodings, e.g. a SEC1 key with version 3, which RFC 5915 forbids and whose re-encoding
// no strict parser (nor the firmware) accepts; the fuzzer found that.
bool is_private_key_info(ByteView der) {
    const unsigned char* p = der.data();
    PKCS8_PRIV_KEY_INFO* info = d2i_PKCS8_PRIV_KEY_INFO(nullptr, &p, static_cast<long>(der.size()));
    const bool ok = info != nullptr && p == der.data() + der.size();
    PKCS8_PRIV_KEY_INFO_free(info);
    return ok;
}

PkeyPtr decode_private_pkcs8(ByteView der) {
    ErrorQueueGuard guard;
    if (!is_private_key_info(der)) return nullptr;
    PkeyPtr pkey = decode_exact(der, "PrivateKeyInfo", nullptr, EVP_PKEY_KEYPAIR);
    if (!pkey || !has_private(pkey.get())) return nullptr;
    if ((EVP_PKEY_is_a(pkey.get(), "RSA") || EVP_PKEY_is_a(pkey.get(), "EC")) && !pairwise_ok(pkey.get()))
        return nullptr;
    return pkey;
}

PkeyPtr decode_rsa_public_pkcs1(ByteView der) {
    ErrorQueueGuard guard;
    return rsa_public_pkcs1(der);
}

bool is_encrypted_pkcs8(ByteView der) {
    ErrorQueueGuard guard;
    const unsigned char* p = der.data();
    X509_SIG* sig = d2i_X509_SIG(nullptr, &p, static_cast<long>(der.size()));
    const bool ok = sig != nullptr && p == der.data() + der.size();
    X509_SIG_free(sig);
    return ok;
}

bool is_certificate(ByteView der) {
    ErrorQueueGuard guard;
    const unsigned char* p = der.data();
    X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
    const bool ok = cert != nullptr;
    X509_free(cert);
    return ok;
}

// Any key format in exactly `der`; nullopt if none fits.
std::optional<Key> decode_any_der(ByteView der) {
    if (auto k = parse_spki_der(der)) return k;
    if (auto k = parse_rsa_private_pkcs1_der(der)) return k;
    if (auto k = parse_ec_private_sec1_der(der)) return k;
    if (auto p = decode_private_pkcs8(der)) return KeyAccess::make(std::move(p));
    if (auto p = decode_rsa_public_pkcs1(der)) return KeyAccess::make(std::move(p));
    return std::nullopt;
}

Key load_der(ByteView content, std::string_view what) {
    const auto len = der_sequence_length(content);
    if (!len) not_a_key(what, describe(content));
    const ByteView der = content.first(*len);
    const ByteView rest = content.subspan(*len);
    if (!rest.empty() && !all_equal(rest, 0xFF) && !all_equal(rest, 0x00))
        not_a_key(what, "a " + plural_bytes(*len) + " DER SEQUENCE followed by " + plural_bytes(rest.size()) +
                            " that are not 0xFF or 0x00 padding");
    // Checked first so that no OpenSSL decoder ever tries to decrypt (and ask for a passphrase).
    if (is_encrypted_pkcs8(der)) encrypted(what);
    if (auto k = decode_any_der(der)) return *k;
    if (is_certificate(der))
        throw Error(ErrorKind::InvalidInput, std::string(what) + ": a DER certificate, not a key",
                    "Extract its public key first (e.g. `openssl x509 -in cert.der -inform DER -pubkey -noout`).");
    not_a_key(what, "a " + plural_bytes(*len) +
                        " DER SEQUENCE that is not a key this tool reads"
                        " (or an RSA/EC key whose values are inconsistent)");
}

struct PemBlock {
    std::string name;
    std::string header;
    SecretBytes data;
};

// Next PEM block from `bio`; nullopt at the end. Throws InvalidInput on a malformed block.
std::optional<PemBlock> next_pem_block(BIO* bio, std::string_view what) {
    ErrorQueueGuard guard;
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    const int ok = PEM_read_bio_ex(bio, &name, &header, &data, &len, PEM_FLAG_EAY_COMPATIBLE);
    OsslString name_owner(name);
    OsslString header_owner(header);
    if (ok != 1) {
        if (data != nullptr) OPENSSL_clear_free(data, static_cast<std::size_t>(std::max(len, 0L)));
        const unsigned long err = ERR_peek_last_error();
        if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) return std::nullopt;
        not_a_key(what, "a malformed PEM block: bad BEGIN/END lines or base64");
    }
    PemBlock block;
    block.name = name != nullptr ? name : "";
    block.header = header != nullptr ? header : "";
    if (data != nullptr && len > 0) block.data.data.assign(data, data + len);
    if (data != nullptr) OPENSSL_clear_free(data, static_cast<std::size_t>(std::max(len, 0L)));
    return std::optional<PemBlock>(std::move(block));
}

// The PEM labels that hold a key or a certificate; any other block ("EC PARAMETERS", which
// `openssl ecparam -genkey` writes before its key, or a label this tool does not know) is not counted.
struct PemLabel {
    std::string_view name;
    std::string_view article; // "a" or "an", as the label is spoken
};
constexpr PemLabel kKeyOrCertificateLabels[] = {
    {"PUBLIC KEY", "a"},           {"RSA PUBLIC KEY", "an"}, {"RSA PRIVATE KEY", "an"},
    {"EC PRIVATE KEY", "an"},      {"PRIVATE KEY", "a"},     {"ENCRYPTED PRIVATE KEY", "an"},
    {"OPENSSH PRIVATE KEY", "an"}, {"CERTIFICATE", "a"},     {"TRUSTED CERTIFICATE", "a"},
    {"X509 CERTIFICATE", "an"},
};

const PemLabel* key_or_certificate_label(std::string_view name) {
    for (const auto& label : kKeyOrCertificateLabels)
        if (label.name == name) return &label;
    return nullptr;
}

// "a PUBLIC KEY and a CERTIFICATE", "an EC PRIVATE KEY, a PUBLIC KEY and a CERTIFICATE".
std::string spoken_list(const std::vector<const PemLabel*>& labels) {
    std::string out;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (i > 0) out += i + 1 == labels.size() ? " and " : ", ";
        out += std::string(labels[i]->article) + " " + std::string(labels[i]->name);
    }
    return out;
}

Key load_pem_block(const PemBlock& block, std::string_view what) {
    const std::string& name = block.name;
    const ByteView der = block.data.data;
    const bool proc_encrypted = block.header.find("ENCRYPTED") != std::string::npos;
    auto malformed = [&]() -> Key { not_a_key(what, "the \"" + name + "\" PEM block does not hold a valid key"); };
    if (name == "PUBLIC KEY") {
        if (auto k = parse_spki_der(der)) return *k;
        return malformed();
    }
    if (name == "RSA PUBLIC KEY") {
        if (auto p = decode_rsa_public_pkcs1(der)) return KeyAccess::make(std::move(p));
        return malformed();
    }
    if (name == "RSA PRIVATE KEY" || name == "EC PRIVATE KEY") {
        if (proc_encrypted) encrypted(what);
        auto k = name == "RSA PRIVATE KEY" ? parse_rsa_private_pkcs1_der(der) : parse_ec_private_sec1_der(der);
        if (k) return *k;
        return malformed();
    }
    if (name == "PRIVATE KEY") {
        if (auto p = decode_private_pkcs8(der)) return KeyAccess::make(std::move(p));
        return malformed();
    }
    if (name == "ENCRYPTED PRIVATE KEY") encrypted(what);
    if (name == "OPENSSH PRIVATE KEY")
        throw Error(ErrorKind::InvalidInput, std::string(what) + ": an OpenSSH private key, not a PEM key",
                    "Convert a copy first: `ssh-keygen -p -m PEM -f <copy>`.");
    throw Error(ErrorKind::InvalidInput, std::string(what) + ": a certificate, not a key",
                "Extract its public key first (e.g. `openssl x509 -in cert.pem -pubkey -noout`).");
}

Key load_pem(ByteView content, std::string_view what) {
    BioPtr bio(BIO_new_mem_buf(content.data(), static_cast<int>(content.size())));
    if (!bio) throw Error(ErrorKind::Internal, "BIO_new_mem_buf failed");
    std::vector<std::string> other;
    std::vector<const PemLabel*> labels;
    std::optional<PemBlock> key_block;
    while (auto block = next_pem_block(bio.get(), what)) {
        const PemLabel* label = key_or_certificate_label(block->name);
        if (label == nullptr) {
            other.push_back(block->name);
            continue;
        }
        labels.push_back(label);
        if (!key_block) key_block.emplace(std::move(*block));
    }
    // Two keys (or a key and a certificate) in one file: taking the first would guess which one the
    // user meant.
    if (labels.size() > 1)
        throw Error(ErrorKind::InvalidInput,
                    std::string(what) + " holds " + std::to_string(labels.size()) + " PEM blocks (" +
                        spoken_list(labels) + "); give a file with exactly one key",
                    "Copy the one key you mean, from its \"-----BEGIN\" line to its \"-----END\" line, into a file of "
                    "its own and pass that.");
    if (key_block) return load_pem_block(*key_block, what);
    if (other.empty()) not_a_key(what, "text with a \"-----BEGIN\" line but no complete PEM block");
    std::string names;
    for (const auto& n : other) names += (names.empty() ? "\"" : ", \"") + n + "\"";
    not_a_key(what, "PEM without a key block; found " + names);
}

} // namespace

Key load_key(ByteView content, std::string_view what) {
    if (content.size() > kMaxKeyFile) not_a_key(what, plural_bytes(content.size()) + ", too large for a key file");
    if (contains(content, "-----BEGIN")) return load_pem(content, what);
    return load_der(content, what);
}

Key load_key_file(const std::filesystem::path& path) { return load_key_file(path, path.string()); }

Key load_key_file(const std::filesystem::path& path, std::string_view what) {
    const std::string w(what);
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);
    if (st.type() == std::filesystem::file_type::not_found)
        throw Error(ErrorKind::FileIo, w + ": no such file", "Check the path of the key file.");
    if (st.type() == std::filesystem::file_type::directory)
        throw Error(ErrorKind::FileIo, w + ": is a directory, not a key file", "Give the path of the key file itself.");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        const int e = errno;
        throw Error(ErrorKind::FileIo, w + ": cannot open: " + (e != 0 ? std::strerror(e) : "unknown error"),
                    "Check that the file exists and is readable by you.");
    }
    SecretBytes content;
    char buf[4096];
    while (in) {
        in.read(buf, sizeof buf);
        const auto got = static_cast<std::size_t>(in.gcount());
        content.data.insert(content.data.end(), buf, buf + got);
        if (content.data.size() > kMaxKeyFile)
            not_a_key(what, "more than " + plural_bytes(kMaxKeyFile) + ", too large for a key file");
    }
    OPENSSL_cleanse(buf, sizeof buf);
    if (in.bad()) throw Error(ErrorKind::FileIo, w + ": read error", "Check the file and the disk.");
    return load_key(content.data, what);
}

} // namespace photon_dct::keys
