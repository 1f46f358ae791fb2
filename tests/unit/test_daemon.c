/*
 * Unit tests of the daemon helpers: the command line both halves share,
 * signals turned into callbacks by libevent, the systemd readiness
 * datagram, the privilege drop and the system call filter (each tried in
 * a forked child, which it changes for good).
 */
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <netinet/in.h>
#include <pwd.h>

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "daemon.h"
#include "notify.h"
#include "sandbox.h"

#define DEFAULT_CONF	"/etc/vofw/hras.conf"

/* What one call of daemon_parse_args returned and printed. */
struct parsed {
	int			 rv;
	struct daemon_args	 args;
	char			 out[512];
	char			 err[512];
	char			 prog[64];
	char			 conf[256];
};

/* Counts of the callbacks the signal helper made. */
struct counts {
	int	 reload;
	int	 stop;
};

static void	 td_parse(struct parsed *, ...);
static void	 td_read_fd(int, char *, size_t);
static void	 td_on_reload(void *);
static void	 td_on_stop(void *);
static void	 td_deliver(struct event_base *, int, const int *);
static int	 td_dgram(const char *, struct sockaddr_un *, socklen_t *);

/* Read what was written to a temp file into buf. */
static void
td_read_fd(int fd, char *buf, size_t len)
{
	ssize_t	 n;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	n = read(fd, buf, len - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
}

/* Parse a NULL-terminated argument list, capturing stdout and stderr. */
static void
td_parse(struct parsed *p, ...)
{
	char		 tmpl_out[] = "/tmp/vofw-test-out.XXXXXX";
	char		 tmpl_err[] = "/tmp/vofw-test-err.XXXXXX";
	char		*argv[16], *copy[16];
	const char	*a;
	va_list		 ap;
	int		 argc = 0, i, fo, fe, so, se;

	va_start(ap, p);
	while ((a = va_arg(ap, const char *)) != NULL && argc < 15) {
		copy[argc] = strdup(a);
		assert_non_null(copy[argc]);
		argv[argc] = copy[argc];
		argc++;
	}
	va_end(ap);
	argv[argc] = NULL;

	fo = mkstemp(tmpl_out);
	fe = mkstemp(tmpl_err);
	assert_true(fo != -1 && fe != -1);
	unlink(tmpl_out);
	unlink(tmpl_err);
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(fo, 1);
	dup2(fe, 2);
	p->rv = daemon_parse_args(argc, argv, DEFAULT_CONF, &p->args);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	td_read_fd(fo, p->out, sizeof(p->out));
	td_read_fd(fe, p->err, sizeof(p->err));

	/* progname and conf point into argv: keep copies, free argv. */
	snprintf(p->prog, sizeof(p->prog), "%s", p->args.progname);
	p->args.progname = p->prog;
	snprintf(p->conf, sizeof(p->conf), "%s", p->args.conf);
	p->args.conf = p->conf;
	for (i = 0; i < argc; i++)
		free(copy[i]);
}

/* No flags: run with the default file, no check, no debug. */
static void
test_defaults(void **state)
{
	struct parsed	 p;

	(void)state;
	td_parse(&p, "hras", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_string_equal(p.args.progname, "hras");
	assert_string_equal(p.args.conf, DEFAULT_CONF);
	assert_int_equal(p.args.check_only, 0);
	assert_int_equal(p.args.debug, 0);
	assert_string_equal(p.out, "");
	assert_string_equal(p.err, "");
}

/* -f, -n and -d are taken apart or clustered, in any order. */
static void
test_flags(void **state)
{
	struct parsed	 p;

	(void)state;
	td_parse(&p, "/usr/sbin/hrac", "-f", "conf/hrac.conf", "-n", "-d",
	    NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_string_equal(p.args.progname, "hrac");
	assert_string_equal(p.args.conf, "conf/hrac.conf");
	assert_int_equal(p.args.check_only, 1);
	assert_int_equal(p.args.debug, 1);

	td_parse(&p, "hras", "-dnfother.conf", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_string_equal(p.args.conf, "other.conf");
	assert_int_equal(p.args.check_only, 1);
	assert_int_equal(p.args.debug, 1);

	td_parse(&p, "hras", "-n", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_int_equal(p.args.check_only, 1);
	assert_int_equal(p.args.debug, 0);
	assert_string_equal(p.args.conf, DEFAULT_CONF);

	td_parse(&p, "hras", "-f", "a.conf", "-f", "b.conf", "--", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_string_equal(p.args.conf, "b.conf");
	assert_string_equal(p.err, "");
}

/* -T runs the path doctor; -L bounds its lifetime watch, only with -T. */
static void
test_doctor(void **state)
{
	struct parsed	 p;

	(void)state;
	td_parse(&p, "hrac", "-T", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_int_equal(p.args.doctor, 1);
	assert_int_equal(p.args.doctor_limit, DAEMON_DOCTOR_LIMIT);
	td_parse(&p, "hrac", "-d", "-T", "-L", "120", "-f", "x.conf", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_int_equal(p.args.doctor, 1);
	assert_int_equal(p.args.debug, 1);
	assert_int_equal(p.args.doctor_limit, 120);
	td_parse(&p, "hrac", "-L", "5", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hrac", "-T", "-n", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hrac", "-T", "-c", "status", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hrac", "-T", "-L", "0", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hrac", "-T", "-L", "+5", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hrac", "-T", "-L", "5s", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hrac", "-T", "-L", "3601", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hrac", "-T", "-L", "99999999999999999999", NULL);
	assert_int_equal(p.rv, 2);
}

/* -V prints the program name and version on stdout and says exit 0. */
static void
test_version(void **state)
{
	struct parsed	 p;

	(void)state;
	td_parse(&p, "./build/hrac", "-V", NULL);
	assert_int_equal(p.rv, 0);
	assert_string_equal(p.out, "hrac " VOFW_VERSION "\n");
	assert_string_equal(p.out, "hrac 0.1.0\n");
	assert_string_equal(p.err, "");

	td_parse(&p, "hras", "-d", "-V", NULL);
	assert_int_equal(p.rv, 0);
	assert_string_equal(p.out, "hras 0.1.0\n");
}

/* -h prints the usage on stderr and says exit 0. */
static void
test_help(void **state)
{
	struct parsed	 p;

	(void)state;
	td_parse(&p, "hras", "-h", NULL);
	assert_int_equal(p.rv, 0);
	assert_string_equal(p.out, "");
	assert_string_equal(p.err, "usage: hras [-dhnV] [-f file]\n"
	    "       hras [-f file] -c command [-j]\n"
	    "       hras [-d] [-f file] -T [-L seconds]\n");
}

/* Bad flags, a missing or empty file name, extra arguments: usage, 2. */
static void
test_bad(void **state)
{
	static const char usage[] = "usage: hras [-dhnV] [-f file]\n"
	    "       hras [-f file] -c command [-j]\n"
	    "       hras [-d] [-f file] -T [-L seconds]\n";
	struct parsed	 p;
	size_t		 len;

	(void)state;
	td_parse(&p, "hras", "-x", NULL);
	assert_int_equal(p.rv, 2);
	assert_string_equal(p.out, "");
	len = strlen(p.err);
	assert_true(len > strlen(usage));
	assert_string_equal(p.err + len - strlen(usage), usage);
	assert_non_null(strstr(p.err, "-- 'x'"));

	td_parse(&p, "hras", "-f", NULL);
	assert_int_equal(p.rv, 2);
	len = strlen(p.err);
	assert_true(len >= strlen(usage));
	assert_string_equal(p.err + len - strlen(usage), usage);

	td_parse(&p, "hras", "-f", "", NULL);
	assert_int_equal(p.rv, 2);
	assert_string_equal(p.err, usage);

	td_parse(&p, "hras", "extra", NULL);
	assert_int_equal(p.rv, 2);
	assert_string_equal(p.err, usage);

	td_parse(&p, "hras", "-n", "extra", "-d", NULL);
	assert_int_equal(p.rv, 2);
	assert_string_equal(p.err, usage);

	td_parse(&p, "hras", "--verbose", NULL);
	assert_int_equal(p.rv, 2);

	/* -j needs -c; -c goes with neither -n nor -d. */
	td_parse(&p, "hras", "-j", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hras", "-c", "calls", "-n", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hras", "-c", NULL);
	assert_int_equal(p.rv, 2);
	td_parse(&p, "hras", "-f", "x.conf", "-c", "calls", "-j", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	/* (command and conf point into td_parse's copy of argv.) */
	assert_non_null(p.args.command);
	assert_int_equal(p.args.json, 1);

	/* After errors, a good command line still parses from the start. */
	td_parse(&p, "hras", "-d", NULL);
	assert_int_equal(p.rv, DAEMON_RUN);
	assert_int_equal(p.args.debug, 1);
	assert_int_equal(p.args.check_only, 0);
}

/* Count a reload. */
static void
td_on_reload(void *arg)
{
	((struct counts *)arg)->reload++;
}

/* Count a stop. */
static void
td_on_stop(void *arg)
{
	((struct counts *)arg)->stop++;
}

/* Raise a signal and run the loop until a count changes. */
static void
td_deliver(struct event_base *base, int sig, const int *count)
{
	int	 before = *count, i;

	assert_int_equal(raise(sig), 0);
	for (i = 0; i < 100 && *count == before; i++)
		event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(*count, before + 1);
}

/* SIGHUP reloads, SIGTERM and SIGINT stop, SIGPIPE is ignored. */
static void
test_signals(void **state)
{
	struct event_base	*base;
	struct daemon_signals	*ds;
	struct counts		 c = { 0, 0 };

	(void)state;
	base = event_base_new();
	assert_non_null(base);
	ds = daemon_signals_init(base, td_on_reload, td_on_stop, &c);
	assert_non_null(ds);

	td_deliver(base, SIGHUP, &c.reload);
	assert_int_equal(c.stop, 0);
	td_deliver(base, SIGTERM, &c.stop);
	td_deliver(base, SIGINT, &c.stop);
	assert_int_equal(c.reload, 1);
	assert_int_equal(c.stop, 2);
	assert_int_equal(raise(SIGPIPE), 0);
	event_base_loop(base, EVLOOP_ONCE | EVLOOP_NONBLOCK);
	assert_int_equal(c.reload, 1);
	assert_int_equal(c.stop, 2);

	daemon_signals_free(ds);
	daemon_signals_free(NULL);
	event_base_free(base);
}

/* Open a datagram socket at a NOTIFY_SOCKET name. */
static int
td_dgram(const char *name, struct sockaddr_un *sun, socklen_t *len)
{
	int	 fd;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	assert_true(strlen(name) < sizeof(sun->sun_path));
	memcpy(sun->sun_path, name, strlen(name));
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    strlen(name));
	if (name[0] == '@')
		sun->sun_path[0] = '\0';
	else
		(*len)++;
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)sun, *len), 0);
	return fd;
}

/* READY=1 reaches a socket path and an abstract socket name. */
static void
test_notify(void **state)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	char			 names[2][108], buf[64];
	ssize_t			 n;
	int			 fd, i;

	(void)state;
	snprintf(names[0], sizeof(names[0]), "/tmp/vofw-test-notify.%ld",
	    (long)getpid());
	snprintf(names[1], sizeof(names[1]), "@vofw-test-notify.%ld",
	    (long)getpid());
	for (i = 0; i < 2; i++) {
		unlink(names[0]);
		fd = td_dgram(names[i], &sun, &len);
		assert_int_equal(setenv("NOTIFY_SOCKET", names[i], 1), 0);
		notify_ready();
		n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		assert_int_equal(n, 7);
		buf[n] = '\0';
		assert_string_equal(buf, "READY=1");
		close(fd);
	}
	unlink(names[0]);

	/* Without the variable, or with a bad one, nothing happens. */
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
	notify_ready();
	assert_int_equal(setenv("NOTIFY_SOCKET", "relative/path", 1), 0);
	notify_ready();
	assert_int_equal(setenv("NOTIFY_SOCKET", "/nonexistent/vofw", 1), 0);
	notify_ready();
	assert_int_equal(unsetenv("NOTIFY_SOCKET"), 0);
}

/* What a forbidden call does in the child. */
enum td_forbidden {
	TD_PTRACE,
	TD_MOUNT,
	TD_EXECVE,
	TD_RAW_SOCKET,
	TD_SETUID,
	TD_KILL_PARENT
};

/*
 * Fork a child that enters the sandbox, shows that allowed calls work
 * (writing "ok" to the pipe), then runs `what`; its wait status, with its
 * stderr in err.
 */
static int
td_sandboxed(int what, char *err, size_t errlen)
{
	static char		 prog[] = "/bin/true";
	char *const		 argv[] = { prog, NULL };
	char			 buf[512];
	int			 out[2], status;
	size_t			 got = 0;
	ssize_t			 n;
	pid_t			 pid, parent = getpid();

	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(out[0]);
		if (dup2(out[1], STDERR_FILENO) == -1 ||
		    sandbox_enter() == -1)
			_exit(3);
		if (getpid() == 0 || write(out[1], "ok\n", 3) != 3)
			_exit(4);
		switch (what) {
		case TD_PTRACE:
			ptrace(PTRACE_TRACEME, 0, NULL, NULL);
			break;
		case TD_MOUNT:
			mount("none", "/mnt", "tmpfs", 0, NULL);
			break;
		case TD_EXECVE:
			execve(argv[0], argv, NULL);
			break;
		case TD_RAW_SOCKET:
			socket(AF_PACKET, SOCK_RAW, 0);
			break;
		case TD_SETUID:
			(void)!setuid(0);
			break;
		case TD_KILL_PARENT:
			kill(parent, 0);
			break;
		}
		_exit(5);
	}
	close(out[1]);
	while (got < errlen - 1 &&
	    (n = read(out[0], err + got, errlen - 1 - got)) > 0)
		got += (size_t)n;
	err[got] = '\0';
	while (read(out[0], buf, sizeof(buf)) > 0)
		;
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

/* Each forbidden call ends the process by SIGSYS, with a line naming it. */
static void
test_sandbox_forbidden(void **state)
{
	static const struct {
		int	what;
		long	nr;
	} cases[] = {
		{ TD_PTRACE, SYS_ptrace },
		{ TD_MOUNT, SYS_mount },
		{ TD_EXECVE, SYS_execve },
		{ TD_RAW_SOCKET, SYS_socket },
		{ TD_SETUID, SYS_setuid },
		{ TD_KILL_PARENT, SYS_kill },
	};
	char	 err[512], want[128];
	size_t	 i;
	int	 status;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		status = td_sandboxed(cases[i].what, err, sizeof(err));
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
			fail_msg("case %zu: status %#x, stderr \"%s\"", i,
			    status, err);
		snprintf(want, sizeof(want), "ok\nsandbox: forbidden system "
		    "call %ld, exiting", cases[i].nr);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("case %zu: stderr \"%s\"", i, err);
	}
}

/* Inside the sandbox the daemons' own work goes on: a loop, UDP, notify. */
static void
test_sandbox_allowed(void **state)
{
	struct sockaddr_in	 sin;
	struct sockaddr_un	 sun;
	struct event_base	*base;
	struct timeval		 tv = { 0, 1000 };
	socklen_t		 len;
	char			 name[108], buf[16];
	int			 fd, nfd, status;
	pid_t			 pid;

	(void)state;
	snprintf(name, sizeof(name), "@vofw-test-sandbox.%ld",
	    (long)getpid());
	nfd = td_dgram(name, &sun, &len);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (sandbox_enter() == -1)
			_exit(3);
		/* What a daemon does every second: its loop, sockets, time. */
		if ((base = daemon_event_base()) == NULL ||
		    event_base_loopexit(base, &tv) == -1 ||
		    event_base_dispatch(base) == -1)
			_exit(4);
		event_base_free(base);
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(sin);
		if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) ==
		    -1 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) ==
		    -1 || getsockname(fd, (struct sockaddr *)&sin, &len) ==
		    -1 || sendto(fd, "x", 1, 0, (struct sockaddr *)&sin,
		    len) != 1 || recv(fd, buf, sizeof(buf), 0) != 1)
			_exit(5);
		close(fd);
		if (setenv("NOTIFY_SOCKET", name, 1) == -1)
			_exit(6);
		notify_ready();
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child status %#x", status);
	assert_int_equal(recv(nfd, buf, sizeof(buf), MSG_DONTWAIT), 7);
	close(nfd);
}

/*
 * As root, the drop leaves no way back; as another user nothing changes.
 * An unknown user is refused.
 */
static void
test_drop_privileges(void **state)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;
	int		 status;
	pid_t		 pid;

	(void)state;
	if ((pw = getpwnam("nobody")) == NULL)
		fail_msg("no user nobody");
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (geteuid() != 0)
			_exit(daemon_drop_privileges("nobody") == 0 ? 0 : 3);
		if (daemon_drop_privileges("vofw-no-such-user") != -1)
			_exit(4);
		if (daemon_drop_privileges("nobody") == -1)
			_exit(5);
		if (getuid() != uid || geteuid() != uid || getgid() != gid ||
		    getegid() != gid || setuid(0) != -1 || setgid(0) != -1 ||
		    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
			_exit(6);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child status %#x", status);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_flags),
		cmocka_unit_test(test_doctor),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_signals),
		cmocka_unit_test(test_notify),
		cmocka_unit_test(test_sandbox_forbidden),
		cmocka_unit_test(test_sandbox_allowed),
		cmocka_unit_test(test_drop_privileges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
