/*
 * What both daemons do the same way around their real work: the command
 * line, the event loop, signals through libevent, giving up root and
 * entering the sandbox once the sockets are open.
 */
#ifndef VOFW_DAEMON_H
#define VOFW_DAEMON_H

#define VOFW_VERSION	"0.1.0"

/* daemon_parse_args: go on running (any other value is an exit status). */
#define DAEMON_RUN	(-1)

struct event_base;
struct daemon_signals;

struct daemon_args {
	const char	*progname;	/* basename of argv[0] */
	const char	*conf;		/* -f FILE, or the default */
	int		 check_only;	/* -n: check the configuration */
	int		 debug;		/* -d: debug logging to stderr */
	const char	*command;	/* -c: ask the running daemon */
	int		 json;		/* -j: its answer in JSON */
	int		 doctor;	/* -T: hrac's path doctor */
	int		 doctor_limit;	/* -L: seconds it watches a request */
};

#define DAEMON_DOCTOR_LIMIT	30	/* -L's default */
#define DAEMON_DOCTOR_LIMIT_MAX	3600

int	 daemon_parse_args(int, char **, const char *default_conf,
	    struct daemon_args *);
struct daemon_signals *daemon_signals_init(struct event_base *,
	    void (*on_reload)(void *), void (*on_stop)(void *), void *arg);
void	 daemon_signals_free(struct daemon_signals *);
struct event_base *daemon_event_base(void);
void	 daemon_raise_nofile(void);
int	 daemon_drop_privileges(const char *user);
int	 daemon_sandbox(int enabled);

#endif
