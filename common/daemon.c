/*
 * What both daemons do the same way around their real work: the command
 * line, signals through libevent (never real work in a signal handler),
 * the privilege drop and system call filter once the sockets are open
 * (OpenBSD's privdrop, then pledge in spirit). systemd notification is
 * notify.c's.
 */
#define _GNU_SOURCE		/* setresuid, setresgid */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon.h"
#include "log.h"
#include "sandbox.h"

/* The events that turn SIGHUP, SIGTERM and SIGINT into callbacks. */
struct daemon_signals {
	struct event	*hup;
	struct event	*term;
	struct event	*intr;
	void		(*on_reload)(void *);
	void		(*on_stop)(void *);
	void		*arg;
};

static void	daemon_usage(const char *);
static void	daemon_signal(evutil_socket_t, short, void *);
static int	daemon_no_new_privs(void);

/* Print the one-line usage to stderr. */
static void
daemon_usage(const char *progname)
{
	fprintf(stderr, "usage: %s [-dhnV] [-f file]\n"
	    "       %s [-f file] -c command [-j]\n"
	    "       %s [-d] [-f file] -T [-L seconds]\n", progname, progname,
	    progname);
}

/* Parse the command line; DAEMON_RUN to go on, else the exit status. */
int
daemon_parse_args(int argc, char **argv, const char *default_conf,
    struct daemon_args *out)
{
	const char	*slash;
	char		*end;
	long		 n;
	int		 ch, lset = 0;

	memset(out, 0, sizeof(*out));
	out->progname = "vofw";
	if (argc > 0 && argv[0] != NULL && argv[0][0] != '\0') {
		slash = strrchr(argv[0], '/');
		out->progname = slash != NULL ? slash + 1 : argv[0];
	}
	out->conf = default_conf;
	out->doctor_limit = DAEMON_DOCTOR_LIMIT;

	/* Zero, not one, makes glibc and musl rescan from scratch. */
	optind = 0;
	while ((ch = getopt(argc, argv, "c:df:hjL:nTV")) != -1) {
		switch (ch) {
		case 'c':
			out->command = optarg;
			break;
		case 'j':
			out->json = 1;
			break;
		case 'd':
			out->debug = 1;
			break;
		case 'f':
			if (optarg[0] == '\0') {
				daemon_usage(out->progname);
				return 2;
			}
			out->conf = optarg;
			break;
		case 'h':
			daemon_usage(out->progname);
			return 0;
		case 'L':
			errno = 0;
			n = strtol(optarg, &end, 10);
			if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' ||
			    errno != 0 || n < 1 || n > DAEMON_DOCTOR_LIMIT_MAX) {
				fprintf(stderr, "%s: -L takes seconds, 1 to %d\n",
				    out->progname, DAEMON_DOCTOR_LIMIT_MAX);
				return 2;
			}
			out->doctor_limit = (int)n;
			lset = 1;
			break;
		case 'n':
			out->check_only = 1;
			break;
		case 'T':
			out->doctor = 1;
			break;
		case 'V':
			printf("%s %s\n", out->progname, VOFW_VERSION);
			fflush(stdout);
			return 0;
		default:
			daemon_usage(out->progname);
			return 2;
		}
	}
	if (optind < argc || (out->json && out->command == NULL) ||
	    (out->command != NULL && (out->check_only || out->debug)) ||
	    (out->doctor && (out->command != NULL || out->check_only)) ||
	    (lset && !out->doctor)) {
		daemon_usage(out->progname);
		return 2;
	}
	return DAEMON_RUN;
}

/* Run the callback a signal stands for, from the event loop. */
static void
daemon_signal(evutil_socket_t sig, short events, void *arg)
{
	struct daemon_signals	*ds = arg;

	(void)events;
	if (sig == SIGHUP)
		ds->on_reload(ds->arg);
	else
		ds->on_stop(ds->arg);
}

/* Ignore SIGPIPE and turn SIGHUP, SIGTERM, SIGINT into callbacks; or NULL. */
struct daemon_signals *
daemon_signals_init(struct event_base *base, void (*on_reload)(void *),
    void (*on_stop)(void *), void *arg)
{
	struct daemon_signals	*ds;

	if ((ds = calloc(1, sizeof(*ds))) == NULL)
		return NULL;
	ds->on_reload = on_reload;
	ds->on_stop = on_stop;
	ds->arg = arg;
	/* A peer closing its socket must cost an EPIPE, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if ((ds->hup = evsignal_new(base, SIGHUP, daemon_signal, ds)) ==
	    NULL ||
	    (ds->term = evsignal_new(base, SIGTERM, daemon_signal, ds)) ==
	    NULL ||
	    (ds->intr = evsignal_new(base, SIGINT, daemon_signal, ds)) ==
	    NULL ||
	    evsignal_add(ds->hup, NULL) == -1 ||
	    evsignal_add(ds->term, NULL) == -1 ||
	    evsignal_add(ds->intr, NULL) == -1) {
		daemon_signals_free(ds);
		return NULL;
	}
	return ds;
}

/* Stop handling the signals and free the events. */
void
daemon_signals_free(struct daemon_signals *ds)
{
	if (ds == NULL)
		return;
	if (ds->hup != NULL)
		event_free(ds->hup);
	if (ds->term != NULL)
		event_free(ds->term);
	if (ds->intr != NULL)
		event_free(ds->intr);
	free(ds);
}

/*
 * The event loop. Its clock must be precise: libevent otherwise reads a
 * coarse one, which moves a jiffy (4 ms at HZ=250) at a time, and a
 * tunnel.batch_wait of 1 ms would last up to 8.
 */
struct event_base *
daemon_event_base(void)
{
	struct event_config	*cfg;
	struct event_base	*base;

	if ((cfg = event_config_new()) == NULL)
		return NULL;
	if (event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER) == -1) {
		event_config_free(cfg);
		return NULL;
	}
	base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

/*
 * Every call holds two sockets per stream on each half: raise the soft
 * limit on open files to the hard limit (systemd's default soft limit of
 * 1024 would cap a half at a few hundred calls).
 */
void
daemon_raise_nofile(void)
{
	struct rlimit	 rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		log_warn("getrlimit");
		return;
	}
	if (rl.rlim_cur >= rl.rlim_max)
		return;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		log_warn("setrlimit");
}

/*
 * Started as root: become `user` (its groups, gid and uid, for real, saved
 * and effective ids alike) and check that root cannot be had back. Call
 * it once every privileged thing is done: ports bound, key and
 * certificate read, log opened. Started as anyone else, or with user =
 * "root", the process stays who it is. Either way it sets no_new_privs.
 * 0, or -1 with a log line.
 */
int
daemon_drop_privileges(const char *user)
{
	struct passwd	*pw;
	uid_t		 uid;
	gid_t		 gid;

	if (geteuid() != 0) {
		log_info("not started as root: running as uid %u",
		    (unsigned int)geteuid());
		return daemon_no_new_privs();
	}
	if (strcmp(user, "root") == 0) {
		log_warnx("user = \"root\": running as root");
		return daemon_no_new_privs();
	}
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (errno != 0)
			log_warn("user %s", user);
		else
			log_warnx("user %s does not exist: create it "
			    "(useradd --system --no-create-home --shell "
			    "/usr/sbin/nologin %s) or set user = \"root\"",
			    user, user);
		return -1;
	}
	uid = pw->pw_uid;
	gid = pw->pw_gid;
	if (uid == 0) {
		log_warnx("user %s has uid 0: running as root", user);
		return daemon_no_new_privs();
	}
	if (initgroups(pw->pw_name, gid) == -1) {
		log_warn("initgroups %s", user);
		return -1;
	}
	if (setresgid(gid, gid, gid) == -1) {
		log_warn("setresgid %u", (unsigned int)gid);
		return -1;
	}
	if (setresuid(uid, uid, uid) == -1) {
		log_warn("setresuid %u", (unsigned int)uid);
		return -1;
	}
	/* Nothing may lead back: not the saved ids, not a plain setuid. */
	if (setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1 ||
	    getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid) {
		log_warnx("%s: root privileges still reachable", __func__);
		return -1;
	}
	log_info("running as user %s (uid %u, gid %u)", user,
	    (unsigned int)uid, (unsigned int)gid);
	return daemon_no_new_privs();
}

/* Nothing this process runs from now on can gain privileges (setuid). */
static int
daemon_no_new_privs(void)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("prctl PR_SET_NO_NEW_PRIVS");
		return -1;
	}
	return 0;
}

/*
 * Install the system call filter (sandbox.c) unless sandbox = false, or
 * unless this is a sanitizer build: the ASan and LSan runtimes need calls
 * the filter forbids (ptrace and clone for the leak check at exit, exec of
 * a symbolizer). 0, or -1 with a log line.
 */
int
daemon_sandbox(int enabled)
{
	if (!enabled) {
		log_warnx("sandbox = false: no system call filter");
		return 0;
	}
#ifdef VOFW_SANITIZE
	log_warnx("sanitizer build: no system call filter");
	return 0;
#else
	if (sandbox_enter() == -1)
		return -1;
	log_info("system call filter installed");
	return 0;
#endif
}
