// Keys layer: OpenSSL 3 (EVP) wrappers for the key formats found in a Gen 2 DCT and in the files a
// user hands us. No OpenSSL type appears in this header. Nothing here prints or logs, and no error
// message ever contains private key material (only sizes, labels and algorithm names).
//
// Formats (docs/dct-format.md §4, §5):
//   * TCP server key   : RSA-2048 SubjectPublicKeyInfo DER, 294 bytes
//   * UDP server key   : EC P-256 SubjectPublicKeyInfo DER, 91 bytes
//   * TCP device key   : PKCS#1 RSAPrivateKey DER (RSA-1024) — never PKCS#8 (the OpenSSL 3 trap)
//   * UDP device key   : SEC1 ECPrivateKey DER with named curve and public point, 121 bytes
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "photon_dct/bytes.hpp"

namespace photon_dct::keys {

enum class KeyType { Rsa, Ec, Other };

// An EVP_PKEY (public or private). Value type: copies share the same immutable OpenSSL key
// (EVP_PKEY_up_ref). A moved-from Key may only be assigned to or destroyed; any other call throws
// Error(Internal).
class Key {
public:
    Key(const Key& other);
    Key(Key&& other) noexcept;
    Key& operator=(const Key& other);
    Key& operator=(Key&& other) noexcept;
    ~Key();

    KeyType type() const;
    int bits() const;                   // 1024, 2048, 256 …
    std::string curve() const;          // "prime256v1" for P-256, "" for non-EC
    std::string algorithm_name() const; // "RSA-2048", "EC P-256", "Ed25519" … for messages
    bool is_private() const;
    std::optional<std::uint64_t> rsa_public_exponent() const; // nullopt if not RSA or > 64 bits
    Bytes rsa_modulus() const;                                // big-endian, minimal (no leading zero); empty if not RSA
    // SubjectPublicKeyInfo DER of the public part. EC points are always uncompressed with a
    // named curve (P-256: the 91-byte form); RSA-2048 with e=65537 gives the 294-byte form.
    Bytes spki_der() const;
    // RSA private only: traditional PKCS#1 RSAPrivateKey DER, never PKCS#8. Error(Internal) otherwise.
    Bytes pkcs1_private_der() const;
    // EC private only: SEC1 ECPrivateKey DER with named-curve parameters and the public key
    // (121 bytes for P-256). Error(Internal) otherwise.
    Bytes sec1_private_der() const;
    std::string public_pem() const; // "-----BEGIN PUBLIC KEY-----" SPKI PEM
    // Traditional PEM: "RSA PRIVATE KEY" / "EC PRIVATE KEY". Key types without a traditional
    // form (Ed25519 …) get PKCS#8 "PRIVATE KEY". Error(Internal) if the key is not private.
    std::string private_pem() const;
    Key public_only() const; // a public-key copy
    bool same_public_key(const Key& other) const;

    struct Impl; // defined in src/keys (holds the EVP_PKEY)

private:
    explicit Key(std::unique_ptr<Impl> impl);
    const Impl& impl() const;
    std::unique_ptr<Impl> impl_;
    friend struct KeyAccess;
};

// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(ByteView data);
// sha256_hex(key.spki_der())
std::string fingerprint(const Key& key);

// Total length (header + content) of the DER SEQUENCE at the start of `der` (short form and long
// form with 1–4 length bytes); nullopt if it is not a SEQUENCE, uses the indefinite form, or runs
// past der.size(). Trailing bytes (e.g. the 0xFF padding of a DCT slot) are ignored.
std::optional<std::size_t> der_sequence_length(ByteView der);

// Strict parsers for bytes found in a DCT. Each parses exactly `der` (cut it with
// der_sequence_length first: trailing bytes make it fail) and returns nullopt on anything
// malformed. They never throw, never print and leave nothing on the OpenSSL error queue.
//   parse_spki_der              : any SubjectPublicKeyInfo OpenSSL understands (RSA, EC, …)
//   parse_rsa_private_pkcs1_der : PKCS#1 RSAPrivateKey only (a PKCS#8 blob → nullopt); the key
//                                 must be consistent (n = p·q, d·e ≡ 1, CRT values)
//   parse_ec_private_sec1_der   : SEC1 ECPrivateKey with curve parameters; public point (if
//                                 present) must match the private scalar
std::optional<Key> parse_spki_der(ByteView der);
std::optional<Key> parse_rsa_private_pkcs1_der(ByteView der);
std::optional<Key> parse_ec_private_sec1_der(ByteView der);

// A key file from the user: PEM or DER; public (SPKI "PUBLIC KEY", PKCS#1 "RSA PUBLIC KEY") or
// private (PKCS#1, PKCS#8 unencrypted, SEC1). PEM files may hold other blocks before the key
// (e.g. "EC PARAMETERS" from `openssl ecparam -genkey`). DER may be followed by 0xFF or 0x00
// padding (a slot saved from a device). Encrypted keys → Error(InvalidInput) asking to decrypt
// first; anything else unusable → Error(InvalidInput, "<what>: not a PEM or DER key (…)", hint).
// `what` names the argument in messages, e.g. "--pem server.pem".
Key load_key(ByteView content, std::string_view what);
// Reads `path` (missing/unreadable → Error(FileIo, …, hint)), then load_key. The first overload
// uses the path itself as `what`.
Key load_key_file(const std::filesystem::path& path);
Key load_key_file(const std::filesystem::path& path, std::string_view what);

// New keys. generate_rsa: bits ≥ 512 and an odd public exponent ≥ 3, else Error(InvalidInput).
Key generate_rsa(int bits, std::uint64_t public_exponent = 65537);
Key generate_ec_p256();

// §5.1: Gen 2 firmware reads the TCP device private key (PKCS#1, RSA-1024) at fixed positions:
// N and D must be encoded as 128 bytes (or 129 with a leading 0x00), E as 02 03 01 00 01, and
// P, Q, DP, DQ, QP as 64 bytes (or 65 with a leading 0x00); the whole DER must fit the 612-byte
// slot. Returns nullopt if `pkcs1_der` satisfies that, else a one-line reason (no key material).
std::optional<std::string> firmware_rsa_layout_problem(ByteView pkcs1_der);
// An RSA-1024, e=65537 key whose pkcs1_private_der() passes firmware_rsa_layout_problem
// (regenerates the rare keys with a short D or CRT value).
Key generate_device_rsa_key();

// The OpenSSL library in use at run time, as it names itself (e.g. "OpenSSL 3.0.11 19 Sep 2023").
std::string openssl_version();

// Sets OpenSSL up for this process; call it first, before any other function of this library.
// The system's openssl.cnf is not read: the key formats are fixed by the firmware, so a system
// policy (a FIPS-only provider, say, which refuses the RSA-1024 keys Device OS needs) must not
// change what the tool reads or writes, and reading it costs 0.2-0.4 ms of each run (issue 9:
// host time). OpenSSL's clean-up at exit is skipped too (the process ends there anyway), and so
// are its legacy name tables, which nothing here looks names up in.
void initialize();

} // namespace photon_dct::keys
