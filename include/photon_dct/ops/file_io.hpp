// File I/O for images, backups and key files: bounded reads of untrusted paths, files created
// without ever replacing one, atomic rewrites that keep the original's ownership, and the
// advisory lock that serialises runs on one image.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include <sys/stat.h>

#include "photon_dct/bytes.hpp"

namespace photon_dct::ops {

// An owned file descriptor, closed on destruction.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    void reset();

private:
    int fd_ = -1;
};

// What a file must be before any of it is read: a regular file of min..max bytes.
struct FileRule {
    std::size_t min = 0;
    std::size_t max = 0;
    std::string_view noun; // "a DCT image", for messages
    std::string_view hint; // how to get a good one
};

// A DCT image or backup: a Device OS 0.6.x application DCT (4258 bytes) up to the whole DFU
// window (16384 bytes); see docs/dct-format.md.
const FileRule& dct_image_rule();

// Opens `path` for reading (a symlink is followed to its target) and refuses, before reading a
// byte, anything that is not a regular file of `rule.min`..`rule.max` bytes: a device such as /dev/zero, a
// FIFO (opened without blocking, so it never hangs), a directory, a socket, or a file too small
// or too large. `what` names the argument in messages ("--file unit.dct").
// Error(FileIo) when it cannot be opened, Error(InvalidInput) for the wrong type or size.
Fd open_regular_file(const std::filesystem::path& path, std::string_view what, const FileRule& rule);
// Reads the whole file behind `fd` (from open_regular_file), never more than rule.max + 1 bytes:
// a file that grew past the limit since it was opened is refused rather than read.
Bytes read_open_file(int fd, std::string_view what, const FileRule& rule);
// open_regular_file + read_open_file.
Bytes read_bounded_file(const std::filesystem::path& path, std::string_view what, const FileRule& rule);

// True when `fd` is still the file found at `path` (not replaced by a rename since it was opened).
bool is_file_at(int fd, const std::filesystem::path& path);

// How long a run waits for another run's lock on the same image before giving up (documented in
// the man page, EXIT STATUS 12).
inline constexpr std::chrono::seconds kImageLockWait{5};

// Takes an exclusive flock(2) on `fd`, waiting until `deadline` (at most kImageLockWait from the
// first try); Error(Busy) naming `what` when another open of the file still holds it then.
void lock_exclusive(int fd, std::string_view what, std::chrono::steady_clock::time_point deadline);

// Replaces `target` (a regular file, not a symlink: resolve it first) with `bytes`: a unique
// temporary file in its directory (mkstemp), the permission bits of `original` without
// setuid/setgid/sticky, its owner and group when running as root, fsync, rename over `target`,
// fsync of the directory. A failure leaves `target` as it was and no temporary file behind.
// Returns the new file, open and already locked (flock), so that no other run can edit it before
// this one has read it back.
Fd replace_file(const std::filesystem::path& target, ByteView bytes, const struct stat& original);

// Creates `path` (never replacing an existing file or following a symlink: Error(FileIo)) with
// `mode`, writes `bytes` and syncs it. When root runs the tool through sudo, the file is given to
// the invoking user (SUDO_UID/SUDO_GID) so that backups and keys stay readable without sudo.
// Used for backups and exported keys.
void write_new_file(const std::filesystem::path& path, ByteView bytes, std::filesystem::perms mode);

// Error(FileIo) naming `what` (e.g. "--backup-dir") unless `dir` is a directory in which this
// process may create files (its effective user and groups, as write_new_file runs).
void require_writable_directory(const std::filesystem::path& dir, std::string_view what);

// `stem` + "-YYYYMMDDTHHMMSSZ" + `suffix` in `dir`, with "-2", "-3" … added while that name is
// taken by anything, a dangling symlink included.
std::filesystem::path unique_timestamped_path(const std::filesystem::path& dir, const std::string& stem,
                                              const std::string& suffix);

} // namespace photon_dct::ops
