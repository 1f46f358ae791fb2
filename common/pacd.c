/*
 * The PAC runner (pacd.h). hrac forks it once at start-up, after giving
 * up root and before entering its own sandbox, since a sandboxed daemon
 * may not fork. The runner never runs a script itself: it forks a worker
 * per request, which enters a tighter filter (memory, the clock, one
 * write) and runs pac_run() with the script's memory capped there; the
 * runner waits for its answer at most the request's time limit, then
 * kills it. hrac's side sends a request and waits for the answer through
 * libevent, so the loop goes on serving SIP and voice meanwhile; its own
 * timer covers a runner that stops answering, which it then gives up.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "log.h"
#include "pacd.h"

/* hrac's wait for an answer beyond the request's own time limit: the
 * runner may still be finishing the one before. */
#define PACD_GRACE_MS	1000

struct pacd {
	struct event_base	*base;
	struct bufferevent	*bev;		/* NULL: the runner is gone */
	struct event		*timer;
	pid_t			 pid;
	int			 reap;
	uint32_t		 id;		/* of the request waited for */
	pacd_cb			 cb;		/* NULL: nobody waits */
	void			*arg;
};

static void	pacd_runner(int, int) __attribute__((noreturn));
static int	pacd_runner_filter(void);
static scmp_filter_ctx pacd_worker_filter(void);
static void	pacd_serve(int, const struct pacd_req *, scmp_filter_ctx);
static void	pacd_send(int, uint32_t, enum pacd_status, const char *);
static int	pacd_allow(scmp_filter_ctx, const char *const *, uint32_t);
static void	pacd_read(struct bufferevent *, void *);
static void	pacd_event(struct bufferevent *, short, void *);
static void	pacd_expired(evutil_socket_t, short, void *);
static void	pacd_gone(struct pacd *, const char *);
static void	pacd_put32(uint8_t *, uint32_t);
static uint32_t	pacd_get32(const uint8_t *);

/* The runner's calls: read requests, fork and reap workers, memory. */
static const char *const pacd_runner_calls[] = {
	"read", "write", "close", "poll", "ppoll", "clone", "wait4", "kill",
	"pipe", "pipe2", "brk", "mmap", "munmap", "mremap", "madvise",
	"mprotect", "rt_sigprocmask", "rt_sigaction", "rt_sigreturn",
	"sigaltstack", "set_robust_list", "getpid", "gettid", "tgkill",
	"clock_gettime", "gettimeofday", "futex", "seccomp", "prctl", "exit",
	"exit_group", "sched_yield", NULL
};

/* A worker's: memory, the clock (Date), its one answer, abort(). */
static const char *const pacd_worker_calls[] = {
	"write", "close", "brk", "mmap", "munmap", "mremap", "madvise",
	"clock_gettime", "gettimeofday", "time", "futex", "rt_sigprocmask",
	"rt_sigaction", "rt_sigreturn", "getpid", "gettid", "tgkill", "exit",
	"exit_group", "sched_yield", "sigaltstack", NULL
};

/* Files neither may open: refused, not fatal (glibc's time zone code). */
static const char *const pacd_refused_calls[] = {
	"open", "openat", "stat", "newfstatat", "fstat", "statx", NULL
};

/*
 * Fork the runner (flags: PACD_FILTER, PACD_REAP). NULL, with a log
 * line, when it cannot be started. Call before the daemon's own sandbox.
 */
struct pacd *
pacd_start(struct event_base *base, int flags)
{
	struct pacd	*p;
	int		 sv[2];
	pid_t		 parent = getpid();

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warn("PAC runner");
		return NULL;
	}
	p->base = base;
	p->reap = (flags & PACD_REAP) != 0;
	if ((p->timer = evtimer_new(base, pacd_expired, p)) == NULL) {
		log_warnx("PAC runner: cannot make its timer");
		free(p);
		return NULL;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		log_warn("PAC runner: socketpair");
		event_free(p->timer);
		free(p);
		return NULL;
	}
	switch (p->pid = fork()) {
	case -1:
		log_warn("PAC runner: fork");
		close(sv[0]);
		close(sv[1]);
		event_free(p->timer);
		free(p);
		return NULL;
	case 0:
		close(sv[0]);
		/* It ends with the daemon, even one killed outright. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 ||
		    getppid() != parent)
			_exit(1);
		pacd_runner(sv[1], (flags & PACD_FILTER) != 0);
	}
	close(sv[1]);
	if (evutil_make_socket_nonblocking(sv[0]) == -1 ||
	    (p->bev = bufferevent_socket_new(base, sv[0],
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warnx("PAC runner: cannot watch its socket");
		close(sv[0]);
		pacd_free(p);
		return NULL;
	}
	bufferevent_setcb(p->bev, pacd_read, NULL, pacd_event, p);
	bufferevent_setwatermark(p->bev, EV_READ, 0, PACD_ANS_HDR +
	    PACD_TEXT_MAX);
	bufferevent_enable(p->bev, EV_READ);
	return p;
}

/*
 * Ask the runner for FindProxyForURL(url, net->host) of script within
 * timeout_ms; cb gets the outcome later, from the loop (never from this
 * call), and must not free p. A request asked before forgets the one
 * before. -1 when the runner is gone or the request does not fit.
 */
int
pacd_ask(struct pacd *p, const char *script, size_t len, const char *url,
    const struct pac_net *net, unsigned int timeout_ms, pacd_cb cb,
    void *arg)
{
	struct timeval	 tv;
	unsigned int	 wait;

	if (p == NULL || p->bev == NULL)
		return -1;
	if (pacd_req_encode(bufferevent_get_output(p->bev), p->id + 1, script,
	    len, url, net, timeout_ms) == -1)
		return -1;
	p->id++;
	p->cb = cb;
	p->arg = arg;
	/* Twice the limit: the runner may be killing the one before. */
	wait = 2 * timeout_ms + PACD_GRACE_MS;
	tv.tv_sec = wait / 1000;
	tv.tv_usec = (wait % 1000) * 1000;
	evtimer_add(p->timer, &tv);
	return 0;
}

/* Nobody waits for the answer any more: it is dropped when it comes. */
void
pacd_cancel(struct pacd *p)
{
	if (p == NULL)
		return;
	p->cb = NULL;
	p->arg = NULL;
	evtimer_del(p->timer);
}

/* Stop the runner (it reads the end of its socket and exits) and free. */
void
pacd_free(struct pacd *p)
{
	if (p == NULL)
		return;
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	if (p->timer != NULL)
		event_free(p->timer);
	/* Out of a sandbox (the doctor) the runner is reaped here. */
	if (p->reap && p->pid > 0) {
		kill(p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) == -1 && errno == EINTR)
			;
	}
	free(p);
}

/* Answers from the runner; one for the request waited for goes to cb. */
static void
pacd_read(struct bufferevent *bev, void *arg)
{
	struct pacd		*p = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct pacd_ans		 ans;
	uint8_t			*b;
	size_t			 have;
	pacd_cb			 cb;
	int			 n;

	while ((have = evbuffer_get_length(in)) >= PACD_ANS_HDR) {
		if (have > PACD_ANS_HDR + PACD_TEXT_MAX)
			have = PACD_ANS_HDR + PACD_TEXT_MAX;
		if ((b = evbuffer_pullup(in, (ev_ssize_t)have)) == NULL) {
			pacd_gone(p, "out of memory");
			return;
		}
		if ((n = pacd_ans_decode(b, have, &ans)) == -1) {
			pacd_gone(p, "the PAC runner sent junk");
			return;
		}
		if (n == 0)
			return;
		evbuffer_drain(in, (size_t)n);
		if (ans.id != p->id || p->cb == NULL)
			continue;
		cb = p->cb;
		p->cb = NULL;
		evtimer_del(p->timer);
		cb(ans.status, ans.text, p->arg);
	}
}

/* The runner's socket closed or failed: it is gone. */
static void
pacd_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	pacd_gone(arg, "the PAC runner exited");
}

/* No answer in time: the runner is stuck; give it up. */
static void
pacd_expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	pacd_gone(arg, "the PAC runner does not answer");
}

/*
 * The runner is gone for good (a sandboxed daemon cannot fork another):
 * say so once, and tell whoever waits.
 */
static void
pacd_gone(struct pacd *p, const char *why)
{
	pacd_cb	 cb = p->cb;

	log_warnx("%s: PAC files are not run until hrac restarts", why);
	if (p->bev != NULL)
		bufferevent_free(p->bev);
	p->bev = NULL;
	evtimer_del(p->timer);
	p->cb = NULL;
	if (cb != NULL)
		cb(PACD_GONE, why, p->arg);
}

/*
 * The runner's life: leave the daemon's descriptors and signal handlers
 * behind, enter its filter, then serve requests until hrac closes the
 * socket.
 */
static void
pacd_runner(int fd, int sandbox)
{
	static uint8_t		 buf[PACD_REQ_MAX];
	static struct pacd_req	 req;
	static const int	 sigs[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1,
				    SIGUSR2, SIGCHLD };
	scmp_filter_ctx		 worker = NULL;
	size_t			 have = 0, i;
	ssize_t			 n;
	int			 used;

	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	if (fd != 3 && dup2(fd, 3) == -1)
		_exit(1);
	/* The daemon's sockets and files, but stdin, stdout, stderr. */
	closefrom(4);
	fd = 3;
	/* Date() needs the time zone: read it while files may be opened. */
	tzset();
	if (sandbox && ((worker = pacd_worker_filter()) == NULL ||
	    pacd_runner_filter() == -1)) {
		fprintf(stderr, "PAC runner: cannot enter its sandbox\n");
		_exit(1);
	}
	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		have += (size_t)n;
		while ((used = pacd_req_decode(buf, have, &req)) > 0) {
			pacd_serve(fd, &req, worker);
			have -= (size_t)used;
			memmove(buf, buf + used, have);
		}
		if (used == -1)
			_exit(1);
	}
}

/*
 * One request: fork a worker that runs the script and writes its answer
 * on a pipe; wait for it at most req->timeout_ms, else kill it.
 */
static void
pacd_serve(int fd, const struct pacd_req *req, scmp_filter_ctx worker)
{
	static uint8_t	 ans[PACD_ANS_HDR + PACD_TEXT_MAX];
	static struct pacd_ans a;
	char		 out[PAC_RESULT_MAX], err[300], why[64];
	struct pollfd	 pfd;
	struct timespec	 now, end;
	size_t		 have = 0;
	ssize_t		 n;
	long		 left;
	int		 pp[2], rc, st, late = 0;
	pid_t		 pid;

	if (pipe(pp) == -1) {
		pacd_send(fd, req->id, PACD_DIED, "no pipe for the worker");
		return;
	}
	if ((pid = fork()) == -1) {
		close(pp[0]);
		close(pp[1]);
		pacd_send(fd, req->id, PACD_DIED, "cannot fork a worker");
		return;
	}
	if (pid == 0) {
		close(pp[0]);
		close(fd);
		if (worker != NULL && seccomp_load(worker) < 0)
			_exit(2);
		rc = pac_run(req->script, req->len, req->url, &req->net, out,
		    sizeof(out), err, sizeof(err));
		n = pacd_ans_encode(ans, sizeof(ans), req->id, rc == 0 ?
		    PACD_OK : PACD_FAILED, rc == 0 ? out : err);
		if (n > 0 && write(pp[1], ans, (size_t)n) != n)
			_exit(3);
		_exit(0);
	}
	close(pp[1]);
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += req->timeout_ms / 1000;
	end.tv_nsec += (long)(req->timeout_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	pfd.fd = pp[0];
	pfd.events = POLLIN;
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = (end.tv_sec - now.tv_sec) * 1000 +
		    (end.tv_nsec - now.tv_nsec) / 1000000;
		if (left <= 0) {
			late = 1;
			break;
		}
		if ((rc = poll(&pfd, 1, (int)left)) == -1 && errno == EINTR)
			continue;
		if (rc == 0) {
			late = 1;
			break;
		}
		if (rc == -1)
			break;
		n = read(pp[0], ans + have, sizeof(ans) - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		have += (size_t)n;
	}
	close(pp[0]);
	if (late) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
			;
		pacd_send(fd, req->id, PACD_TIMEOUT, "");
		return;
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0 &&
	    pacd_ans_decode(ans, have, &a) > 0 && a.id == req->id) {
		pacd_send(fd, a.id, a.status, a.text);
		return;
	}
	if (WIFSIGNALED(st))
		snprintf(why, sizeof(why), "killed by signal %d%s",
		    WTERMSIG(st), WTERMSIG(st) == SIGSYS ? ", a forbidden "
		    "system call" : "");
	else
		snprintf(why, sizeof(why), "exit status %d",
		    WIFEXITED(st) ? WEXITSTATUS(st) : -1);
	pacd_send(fd, req->id, PACD_DIED, why);
}

/* One answer to hrac; a runner that cannot write has lost hrac: exit. */
static void
pacd_send(int fd, uint32_t id, enum pacd_status st, const char *text)
{
	static uint8_t	 b[PACD_ANS_HDR + PACD_TEXT_MAX];
	size_t		 off = 0;
	ssize_t		 n;
	int		 len;

	if ((len = pacd_ans_encode(b, sizeof(b), id, st, text)) == -1)
		_exit(1);
	while (off < (size_t)len) {
		if ((n = write(fd, b + off, (size_t)len - off)) == -1 &&
		    errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		off += (size_t)n;
	}
}

/* Add the calls of list with action act; 0, or -1. */
static int
pacd_allow(scmp_filter_ctx ctx, const char *const *list, uint32_t act)
{
	int	nr;

	for (; *list != NULL; list++) {
		if ((nr = seccomp_syscall_resolve_name(*list)) ==
		    __NR_SCMP_ERROR)
			continue;
		if (seccomp_rule_add(ctx, act, nr, 0) < 0)
			return -1;
	}
	return 0;
}

/* The runner's filter: anything off its list kills it. */
static int
pacd_runner_filter(void)
{
	scmp_filter_ctx	 ctx;
	int		 rc = -1;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return -1;
	if (pacd_allow(ctx, pacd_runner_calls, SCMP_ACT_ALLOW) == 0 &&
	    pacd_allow(ctx, pacd_refused_calls, SCMP_ACT_ERRNO(EACCES)) ==
	    0 && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	    SCMP_SYS(clone3), 0) == 0 && seccomp_load(ctx) == 0)
		rc = 0;
	seccomp_release(ctx);
	return rc;
}

/* A worker's filter, built once while the runner may still do so. */
static scmp_filter_ctx
pacd_worker_filter(void)
{
	scmp_filter_ctx	 ctx;

	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL)
		return NULL;
	if (pacd_allow(ctx, pacd_worker_calls, SCMP_ACT_ALLOW) == -1 ||
	    pacd_allow(ctx, pacd_refused_calls, SCMP_ACT_ERRNO(EACCES)) ==
	    -1) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * A request on the wire: id, time limit (ms), script length, 0; URL and
 * host lengths (16 bits); myIpAddress and the host's address (64 bytes
 * each, NUL-padded); the script, the URL, the host. 0, or -1 when it
 * does not fit the limits.
 */
int
pacd_req_encode(struct evbuffer *out, uint32_t id, const char *script,
    size_t len, const char *url, const struct pac_net *net,
    uint32_t timeout_ms)
{
	uint8_t	 h[PACD_REQ_HDR];
	size_t	 ul = strlen(url), hl = strlen(net->host);

	if (len > PAC_SCRIPT_MAX || ul > PACD_URL_MAX || hl > PACD_HOST_MAX ||
	    timeout_ms < PACD_TIMEOUT_MIN || timeout_ms > PACD_TIMEOUT_MAX)
		return -1;
	memset(h, 0, sizeof(h));
	pacd_put32(h, id);
	pacd_put32(h + 4, timeout_ms);
	pacd_put32(h + 8, (uint32_t)len);
	h[16] = (uint8_t)(ul >> 8);
	h[17] = (uint8_t)ul;
	h[18] = (uint8_t)(hl >> 8);
	h[19] = (uint8_t)hl;
	memcpy(h + 20, net->my_ip, strnlen(net->my_ip, 63));
	memcpy(h + 84, net->host_ip, strnlen(net->host_ip, 63));
	if (evbuffer_add(out, h, sizeof(h)) == -1 ||
	    evbuffer_add(out, script, len) == -1 ||
	    evbuffer_add(out, url, ul) == -1 ||
	    evbuffer_add(out, net->host, hl) == -1)
		return -1;
	return 0;
}

/*
 * Decode one request from b: the bytes it took, 0 when more must come,
 * -1 when it is out of bounds (no NUL bytes in the URL, host or
 * addresses). req points into b for the script.
 */
int
pacd_req_decode(const uint8_t *b, size_t len, struct pacd_req *req)
{
	size_t	 sl, ul, hl, total;

	if (len < PACD_REQ_HDR)
		return 0;
	sl = pacd_get32(b + 8);
	ul = (size_t)b[16] << 8 | b[17];
	hl = (size_t)b[18] << 8 | b[19];
	req->id = pacd_get32(b);
	req->timeout_ms = pacd_get32(b + 4);
	if (pacd_get32(b + 12) != 0 || sl > PAC_SCRIPT_MAX ||
	    ul > PACD_URL_MAX || hl > PACD_HOST_MAX ||
	    req->timeout_ms < PACD_TIMEOUT_MIN ||
	    req->timeout_ms > PACD_TIMEOUT_MAX ||
	    b[20 + 63] != '\0' || b[84 + 63] != '\0')
		return -1;
	total = PACD_REQ_HDR + sl + ul + hl;
	if (len < total)
		return 0;
	if (memchr(b + PACD_REQ_HDR + sl, '\0', ul + hl) != NULL)
		return -1;
	memset(&req->net, 0, sizeof(req->net));
	memcpy(req->net.my_ip, b + 20, 64);
	memcpy(req->net.host_ip, b + 84, 64);
	req->script = (const char *)b + PACD_REQ_HDR;
	req->len = sl;
	memcpy(req->url, b + PACD_REQ_HDR + sl, ul);
	req->url[ul] = '\0';
	memcpy(req->host, b + PACD_REQ_HDR + sl + ul, hl);
	req->host[hl] = '\0';
	req->net.host = req->host;
	return (int)total;
}

/* An answer on the wire: id, status, text length, text. Its length in
 * b, or -1 when it does not fit. */
int
pacd_ans_encode(uint8_t *b, size_t len, uint32_t id, enum pacd_status st,
    const char *text)
{
	size_t	 tl = strnlen(text, PACD_TEXT_MAX);

	if (len < PACD_ANS_HDR + tl || st > PACD_DIED)
		return -1;
	pacd_put32(b, id);
	pacd_put32(b + 4, (uint32_t)st);
	pacd_put32(b + 8, (uint32_t)tl);
	memcpy(b + PACD_ANS_HDR, text, tl);
	return (int)(PACD_ANS_HDR + tl);
}

/* Decode one answer: the bytes it took, 0 when more must come, -1 when
 * it is out of bounds (an unknown status, a long text, a NUL in it). */
int
pacd_ans_decode(const uint8_t *b, size_t len, struct pacd_ans *a)
{
	uint32_t	 st, tl;

	if (len < PACD_ANS_HDR)
		return 0;
	a->id = pacd_get32(b);
	st = pacd_get32(b + 4);
	tl = pacd_get32(b + 8);
	if (st > PACD_DIED || tl > PACD_TEXT_MAX)
		return -1;
	if (len < PACD_ANS_HDR + tl)
		return 0;
	if (memchr(b + PACD_ANS_HDR, '\0', tl) != NULL)
		return -1;
	a->status = (enum pacd_status)st;
	memcpy(a->text, b + PACD_ANS_HDR, tl);
	a->text[tl] = '\0';
	return (int)(PACD_ANS_HDR + tl);
}

static void
pacd_put32(uint8_t *b, uint32_t v)
{
	v = htonl(v);
	memcpy(b, &v, 4);
}

static uint32_t
pacd_get32(const uint8_t *b)
{
	uint32_t	 v;

	memcpy(&v, b, 4);
	return ntohl(v);
}
