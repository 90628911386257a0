#include "photon_dct/ops/file_io.hpp"

#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <thread>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include "photon_dct/dct/platform.hpp"
#include "photon_dct/error.hpp"

namespace photon_dct::ops {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void file_error(std::string_view what, const fs::path& path, int err, std::string hint = {}) {
    throw Error(ErrorKind::FileIo, fmt::format("{} '{}': {}", what, path.string(), std::strerror(err)),
                std::move(hint));
}

std::string_view file_type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

[[noreturn]] void wrong_size(std::string_view what, std::size_t size, bool more, const FileRule& rule) {
    throw Error(ErrorKind::InvalidInput,
                fmt::format("{}: {}{} bytes is too {} for {} ({} to {} bytes)", what, more ? "more than " : "", size,
                            size < rule.min ? "short" : "long", rule.noun, rule.min, rule.max),
                std::string(rule.hint));
}

void write_all(int fd, ByteView bytes, const fs::path& path) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            file_error("cannot write", path, errno, "check free disk space and permissions");
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) file_error("cannot sync", path, errno);
}

// A rename is durable only once the directory that holds the new name is synced.
void sync_directory(const fs::path& dir) {
    Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd.valid() || ::fsync(fd.get()) != 0) file_error("cannot sync the directory", dir, errno);
}

// SUDO_UID/SUDO_GID as set by sudo(8) for the user who ran it; nullopt when not set or not a number.
std::optional<unsigned> sudo_id(const char* name) {
    const char* text = std::getenv(name);
    if (text == nullptr || *text == '\0') return std::nullopt;
    unsigned value = 0;
    const char* end = text + std::strlen(text);
    const auto [ptr, ec] = std::from_chars(text, end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

std::string utc_timestamp() {
    return fmt::format("{:%Y%m%dT%H%M%SZ}",
                       fmt::gmtime(std::chrono::system_clock::to_time_t(std::chrono::system_clock::now())));
}

} // namespace

Fd& Fd::operator=(Fd&& other) noexcept {
    if (this != &other) {
        reset();
        fd_ = other.fd_;
        other.fd_ = -1;
    }
    return *this;
}

void Fd::reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
}

const FileRule& dct_image_rule() {
    static const FileRule rule{dct::kAppDctSizeV060, dct::kDfuWindowSize, "a DCT image",
                               "use a dump of the DCT: a file written by `photon-dct backup` or by "
                               "`dfu-util -a 1 -s 0:16384 -U FILE`"};
    return rule;
}

Fd open_regular_file(const fs::path& path, std::string_view what, const FileRule& rule) {
    // O_NONBLOCK: opening a FIFO with no writer must not wait. A symlink is followed on purpose
    // (a link to an image is fine); fstat then judges the file actually opened, so a link to
    // /dev/zero is refused like /dev/zero itself, and nothing is read before that check.
    Fd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd.valid())
        file_error(fmt::format("{}: cannot open", what), path, errno, "check the path and that you may read the file");
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) file_error(fmt::format("{}: cannot stat", what), path, errno);
    if (!S_ISREG(st.st_mode))
        throw Error(ErrorKind::InvalidInput,
                    fmt::format("{}: {}, not a regular file; {} is a regular file of {} to {} bytes", what,
                                file_type_name(st.st_mode), rule.noun, rule.min, rule.max),
                    std::string(rule.hint));
    const auto size = static_cast<std::size_t>(st.st_size);
    if (size < rule.min || size > rule.max) wrong_size(what, size, false, rule);
    return fd;
}

Bytes read_open_file(int fd, std::string_view what, const FileRule& rule) {
    // One byte more than allowed tells a file that grew since fstat from one that is exactly full.
    Bytes bytes(rule.max + 1);
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(ErrorKind::FileIo, fmt::format("{}: cannot read: {}", what, std::strerror(errno)));
        }
        if (n == 0) break;
        done += static_cast<std::size_t>(n);
    }
    if (done > rule.max) wrong_size(what, rule.max, true, rule);
    if (done < rule.min) wrong_size(what, done, false, rule);
    bytes.resize(done);
    return bytes;
}

Bytes read_bounded_file(const fs::path& path, std::string_view what, const FileRule& rule) {
    const Fd fd = open_regular_file(path, what, rule);
    return read_open_file(fd.get(), what, rule);
}

bool is_file_at(int fd, const fs::path& path) {
    struct stat open_st {};
    struct stat path_st {};
    return ::fstat(fd, &open_st) == 0 && ::stat(path.c_str(), &path_st) == 0 && open_st.st_dev == path_st.st_dev &&
           open_st.st_ino == path_st.st_ino;
}

void lock_exclusive(int fd, std::string_view what, std::chrono::steady_clock::time_point deadline) {
    // Polling with LOCK_NB keeps the wait bounded without a signal to interrupt a blocking flock.
    for (;;) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return;
        if (errno != EWOULDBLOCK && errno != EINTR)
            throw Error(ErrorKind::FileIo, fmt::format("{}: cannot lock: {}", what, std::strerror(errno)));
        if (std::chrono::steady_clock::now() >= deadline)
            throw Error(ErrorKind::Busy,
                        fmt::format("{}: another photon-dct run is still using it after {} s of waiting", what,
                                    kImageLockWait.count()),
                        "wait for the other run to finish, then run the command again");
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

Fd replace_file(const fs::path& target, ByteView bytes, const struct stat& original) {
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    std::string name = (dir / (target.filename().string() + ".photon-dct-XXXXXX")).string();
    Fd fd(::mkostemp(name.data(), O_CLOEXEC));
    if (!fd.valid())
        file_error("cannot create a temporary file next to", target, errno,
                   "photon-dct rewrites an image through a new file in its directory: make the directory writable");
    const fs::path tmp = name;
    try {
        // Owner first: chown clears setuid/setgid, and the mode is set last either way. A
        // setuid/setgid/sticky bit never carries over to a file this tool wrote.
        if (::geteuid() == 0 && ::fchown(fd.get(), original.st_uid, original.st_gid) != 0)
            file_error("cannot set the owner of", tmp, errno);
        if (::fchmod(fd.get(), original.st_mode & 0777) != 0) file_error("cannot set the mode of", tmp, errno);
        // Nobody else knows this file yet, so the lock is free; holding it before the rename means a
        // run that opens the new image waits until this one has read it back.
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) file_error("cannot lock", tmp, errno);
        write_all(fd.get(), bytes, tmp);
        if (::rename(tmp.c_str(), target.c_str()) != 0) file_error("cannot replace", target, errno);
    } catch (...) {
        ::unlink(tmp.c_str());
        throw;
    }
    sync_directory(dir);
    return fd;
}

void require_writable_directory(const fs::path& dir, std::string_view what) {
    std::error_code ec;
    const auto type = fs::status(dir, ec).type();
    if (type == fs::file_type::not_found)
        throw Error(ErrorKind::FileIo, fmt::format("{} '{}': no such directory", what, dir.string()),
                    "create it first, or name an existing directory");
    if (type != fs::file_type::directory)
        throw Error(ErrorKind::FileIo, fmt::format("{} '{}' is not a directory", what, dir.string()),
                    "name a directory");
    if (::faccessat(AT_FDCWD, dir.c_str(), W_OK | X_OK, AT_EACCESS) != 0)
        throw Error(ErrorKind::FileIo,
                    fmt::format("{} '{}': cannot create files there ({})", what, dir.string(), std::strerror(errno)),
                    "name a directory this user can write to");
}

void write_new_file(const fs::path& path, ByteView bytes, fs::perms mode) {
    Fd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, static_cast<mode_t>(mode)));
    if (!fd.valid())
        file_error("cannot create", path, errno,
                   errno == EEXIST ? "photon-dct never overwrites a file: choose another name or move the old one"
                                   : "check that the directory exists and is writable");
    try {
        // Under sudo the files belong to the user who asked for them, not to root.
        const auto uid = sudo_id("SUDO_UID");
        const auto gid = sudo_id("SUDO_GID");
        if (::geteuid() == 0 && uid && gid && ::fchown(fd.get(), *uid, *gid) != 0)
            file_error("cannot give to the sudo user", path, errno);
        // The umask may have removed bits; set exactly what was asked (e.g. 0600 for key material).
        if (::fchmod(fd.get(), static_cast<mode_t>(mode)) != 0) file_error("cannot set the mode of", path, errno);
        write_all(fd.get(), bytes, path);
    } catch (...) {
        ::unlink(path.c_str());
        throw;
    }
}

fs::path unique_timestamped_path(const fs::path& dir, const std::string& stem, const std::string& suffix) {
    const std::string base = stem + "-" + utc_timestamp();
    // symlink_status: a dangling symlink is a taken name too (write_new_file never follows one).
    const auto taken = [](const fs::path& p) {
        std::error_code ec;
        return fs::exists(fs::symlink_status(p, ec));
    };
    fs::path candidate = dir / (base + suffix);
    for (int n = 2; taken(candidate); ++n) candidate = dir / fmt::format("{}-{}{}", base, n, suffix);
    return candidate;
}

} // namespace photon_dct::ops
