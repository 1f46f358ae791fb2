/*
 * The system call filter (seccomp, through libseccomp): once a daemon has
 * bound its ports, read its key and dropped root, it keeps only the calls
 * its event loop, libevent, OpenSSL, libosip2, glibc's syslog, the DNS
 * resolver and sd_notify make while it runs. The list came from strace
 * over the integration tests. Any other call is trapped: the process
 * writes one line naming the call on stderr (the journal under systemd)
 * and dies of SIGSYS, so a hole is loud instead of a silent EPERM on some
 * rare path. Compromised code gets no exec, no ptrace, no mount, no new
 * privileges (seccomp sets no_new_privs), no sockets but IP and local.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>

#include <errno.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

static void	sandbox_sigsys(int, siginfo_t *, void *);
static int	sandbox_rule(scmp_filter_ctx, const char *, unsigned int,
		    const struct scmp_arg_cmp *);

/* Allowed with any arguments; a name this architecture lacks is skipped. */
static const char *const sandbox_calls[] = {
	/* Descriptors, files (the CA directory, resolv.conf, /etc/hosts). */
	"read", "readv", "pread64", "write", "writev", "pwrite64", "close",
	"lseek", "_llseek", "fstat", "fstat64", "stat", "stat64", "lstat",
	"lstat64", "newfstatat", "fstatat64", "statx", "open", "openat",
	"access", "faccessat", "faccessat2", "readlink", "readlinkat",
	"getdents64", "fcntl", "fcntl64", "dup", "dup2", "dup3", "pipe",
	"pipe2",
	/* Memory. */
	"brk", "mmap", "mmap2", "munmap", "mprotect", "mremap", "madvise",
	/* The event loop. */
	"epoll_create", "epoll_create1", "epoll_ctl", "epoll_wait",
	"epoll_pwait", "epoll_pwait2", "poll", "ppoll", "select",
	"_newselect", "pselect6", "eventfd2", "timerfd_create",
	"timerfd_settime", "timerfd_gettime",
	/* Signals through libevent, and abort(). */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigreturn",
	"sigaltstack", "getpid", "gettid",
	/* Sockets: SIP, media, the tunnel, syslog, sd_notify, DNS. */
	"socketpair", "bind", "listen", "connect", "accept", "accept4",
	"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg",
	"getsockopt", "setsockopt", "getsockname", "getpeername",
	"shutdown",
	/* Time, randomness, the rest of libc. */
	"clock_gettime", "clock_gettime64", "gettimeofday", "time",
	"clock_getres", "nanosleep", "clock_nanosleep", "getrandom",
	"futex", "sched_yield", "restart_syscall", "uname", "getuid",
	"geteuid", "getgid", "getegid", "sysinfo", "exit", "exit_group",
	NULL
};

/* Trap a forbidden call: one line, then SIGSYS's default action. */
static void
sandbox_sigsys(int sig, siginfo_t *si, void *ctx)
{
	static const char	 pre[] = "sandbox: forbidden system call ";
	static const char	 post[] = ", exiting (sandbox = false turns "
				     "the filter off)\n";
	char			 num[16];
	size_t			 n = sizeof(num);
	unsigned int		 nr = (unsigned int)si->si_syscall;

	(void)sig;
	(void)ctx;
	/* Only async-signal-safe calls: write(2), then raise(3). */
	do {
		num[--n] = (char)('0' + nr % 10);
		nr /= 10;
	} while (nr != 0 && n > 0);
	(void)!write(STDERR_FILENO, pre, sizeof(pre) - 1);
	(void)!write(STDERR_FILENO, num + n, sizeof(num) - n);
	(void)!write(STDERR_FILENO, post, sizeof(post) - 1);
	/* SA_RESETHAND made the action the default: this one ends us. */
	raise(SIGSYS);
}

/* Allow one call by name, with at most one argument condition. */
static int
sandbox_rule(scmp_filter_ctx ctx, const char *name, unsigned int ncmp,
    const struct scmp_arg_cmp *cmp)
{
	int	nr, rc;

	if ((nr = seccomp_syscall_resolve_name(name)) == __NR_SCMP_ERROR)
		return 0;
	if ((rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, ncmp,
	    cmp)) < 0) {
		log_warnx("sandbox: %s: %s", name, strerror(-rc));
		return -1;
	}
	return 0;
}

/*
 * Enter the sandbox: the SIGSYS reporter, then the filter. For good: it
 * cannot be left or widened. 0, or -1 with a log line.
 */
int
sandbox_enter(void)
{
	static const int	 domains[] = { AF_UNIX, AF_INET, AF_INET6 };
	struct scmp_arg_cmp	 cmp[1];
	struct sigaction	 sa;
	scmp_filter_ctx		 ctx;
	size_t			 i;
	int			 rc;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_sigsys;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		log_warn("sandbox: sigaction");
		return -1;
	}
	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		log_warnx("sandbox: seccomp_init failed");
		return -1;
	}
	for (i = 0; sandbox_calls[i] != NULL; i++)
		if (sandbox_rule(ctx, sandbox_calls[i], 0, NULL) == -1)
			goto fail;
	/* Sockets of the families the daemons speak, nothing raw. */
	for (i = 0; i < sizeof(domains) / sizeof(domains[0]); i++) {
		cmp[0] = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i]);
		if (sandbox_rule(ctx, "socket", 1, cmp) == -1)
			goto fail;
	}
	/*
	 * glibc's getaddrinfo asks the kernel over netlink which address
	 * families the host has (AI_ADDRCONFIG, as the Kerberos library's
	 * look-ups of the KDC use it); refused, it assumes both.
	 */
	cmp[0] = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)AF_NETLINK);
	if ((rc = seccomp_rule_add_array(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT),
	    SCMP_SYS(socket), 1, cmp)) < 0) {
		log_warnx("sandbox: socket: %s", strerror(-rc));
		goto fail;
	}
	/* libevent asks how much a socket holds, stdio if it is a tty. */
	cmp[0] = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)FIONREAD);
	if (sandbox_rule(ctx, "ioctl", 1, cmp) == -1)
		goto fail;
	cmp[0] = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)TCGETS);
	if (sandbox_rule(ctx, "ioctl", 1, cmp) == -1)
		goto fail;
	/* The Kerberos library makes its sockets to the KDC non-blocking. */
	cmp[0] = SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)FIONBIO);
	if (sandbox_rule(ctx, "ioctl", 1, cmp) == -1)
		goto fail;
	/* Signals only to this process (abort, raise). */
	cmp[0] = SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid());
	if (sandbox_rule(ctx, "kill", 1, cmp) == -1 ||
	    sandbox_rule(ctx, "tgkill", 1, cmp) == -1)
		goto fail;
	/* Limits may be read, not raised. */
	cmp[0] = SCMP_A2(SCMP_CMP_EQ, 0);
	if (sandbox_rule(ctx, "prlimit64", 1, cmp) == -1 ||
	    sandbox_rule(ctx, "getrlimit", 0, NULL) == -1)
		goto fail;
	if ((rc = seccomp_load(ctx)) < 0) {
		log_warnx("sandbox: cannot load the filter: %s",
		    strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
