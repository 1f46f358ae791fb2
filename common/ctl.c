/*
 * The control socket of ctl.h. The socket is created before the daemon
 * gives up root (like its listeners), with mode 0660 and the group of the
 * user it becomes, so that user's group reads it and nobody else. Each
 * client sends one line within CTL_READ_SECS; its answer is produced a
 * batch at a time as the client reads it (backpressure: a listing of
 * 10,000 calls never sits whole in memory, and never holds the loop for
 * more than one batch), then the connection closes. At most CTL_CONNS_MAX
 * clients at once: a client that connects and says nothing costs a slot
 * for CTL_READ_SECS, never the daemon's loop.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "config.h"
#include "ctl.h"
#include "log.h"

struct ctl_conn;

struct ctl {
	struct event_base	*base;
	struct evconnlistener	*listener;
	const struct ctl_cmd	*cmds;
	void			*arg;
	unsigned int		 nconns;
	TAILQ_HEAD(, ctl_conn)	 conns;
};

/* One client: its line, then its answer. */
struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct ctl		*ctl;
	struct bufferevent	*bev;
	const struct ctl_cmd	*cmd;	/* NULL until its line was read */
	int			 done;	/* the answer is all in the output */
	struct ctl_job		 job;
};

static int	ctl_bind(const char *, const char *);
static int	ctl_live(const struct sockaddr_un *);
static void	ctl_accept(struct evconnlistener *, evutil_socket_t,
		    struct sockaddr *, int, void *);
static void	ctl_accept_error(struct evconnlistener *, void *);
static void	ctl_read(struct bufferevent *, void *);
static void	ctl_write(struct bufferevent *, void *);
static void	ctl_event(struct bufferevent *, short, void *);
static void	ctl_produce(struct ctl_conn *);
static void	ctl_close(struct ctl_conn *);

/* Someone answers on the socket at sun: 1, 0 for nobody, -1 on error. */
static int
ctl_live(const struct sockaddr_un *sun)
{
	int	fd, rc;

	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	close(fd);
	if (rc == 0)
		return 1;
	return errno == ECONNREFUSED ? 0 : -1;
}

/*
 * The listening socket at path, mode 0660 with user's group, or -1
 * (logged). A socket file nobody answers on is a dead daemon's: it is
 * replaced; one a daemon answers on is left to it.
 */
static int
ctl_bind(const char *path, const char *user)
{
	struct sockaddr_un	 sun;
	struct passwd		*pw;
	struct stat		 st;
	mode_t			 mask;
	int			 fd, rc, saved;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_warnx("control socket %s: path too long, running without "
		    "it", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_warnx("control socket %s: not a socket, left "
			    "alone; running without it", path);
			return -1;
		}
		if ((rc = ctl_live(&sun)) == 1) {
			log_warnx("control socket %s: another daemon answers "
			    "there; running without it", path);
			return -1;
		}
		if (rc == 0 && unlink(path) == -1) {
			log_warn("control socket %s: unlink", path);
			return -1;
		}
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    SOCK_NONBLOCK, 0)) == -1) {
		log_warn("control socket: socket");
		return -1;
	}
	/* Never, even for an instant, a socket others could connect to. */
	mask = umask(0117);
	rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	saved = errno;
	umask(mask);
	if (rc == -1) {
		errno = saved;
		if (errno == ENOENT)
			log_warnx("control socket %s: its directory does not "
			    "exist; running without it", path);
		else
			log_warn("control socket %s: bind; running without it",
			    path);
		close(fd);
		return -1;
	}
	if (chmod(path, 0660) == -1 || listen(fd, CTL_CONNS_MAX) == -1) {
		log_warn("control socket %s", path);
		close(fd);
		return -1;
	}
	if (geteuid() == 0 && user != NULL && strcmp(user, "root") != 0) {
		errno = 0;
		if ((pw = getpwnam(user)) == NULL)
			log_warnx("control socket %s: no user %s, group left "
			    "as root's", path, user);
		else if (chown(path, (uid_t)-1, pw->pw_gid) == -1)
			log_warn("control socket %s: chown", path);
	}
	return fd;
}

/* Check control.socket. */
int
ctl_check_path(struct config_ctx *ctx, const struct config_setting_t *s,
    void *p)
{
	const char	*v = *(char **)p;
	struct sockaddr_un sun;

	if (v[0] == '\0')
		return 0;
	if (v[0] != '/')
		return config_fail(ctx, s, "\"%s\" is not an absolute path",
		    v);
	if (strlen(v) >= sizeof(sun.sun_path))
		return config_fail(ctx, s, "\"%s\" is longer than a socket "
		    "path may be (%zu bytes)", v, sizeof(sun.sun_path) - 1);
	return 0;
}

/* The control socket of a daemon, or NULL (logged). */
struct ctl *
ctl_new(struct event_base *base, const char *path, const char *user,
    const struct ctl_cmd *cmds, void *arg)
{
	struct ctl	*c;
	int		 fd;

	if ((fd = ctl_bind(path, user)) == -1)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control socket");
		close(fd);
		return NULL;
	}
	c->base = base;
	c->cmds = cmds;
	c->arg = arg;
	TAILQ_INIT(&c->conns);
	if ((c->listener = evconnlistener_new(base, ctl_accept, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL) {
		log_warnx("control socket %s: cannot listen", path);
		close(fd);
		free(c);
		return NULL;
	}
	evconnlistener_set_error_cb(c->listener, ctl_accept_error);
	log_info("control socket on %s", path);
	return c;
}

/* Close every client and the socket (the file stays: see ctl_bind). */
void
ctl_free(struct ctl *c)
{
	if (c == NULL)
		return;
	while (!TAILQ_EMPTY(&c->conns))
		ctl_close(TAILQ_FIRST(&c->conns));
	evconnlistener_free(c->listener);
	free(c);
}

/* accept failed (out of descriptors...): say so; the listener goes on. */
static void
ctl_accept_error(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	log_warn("control socket: accept");
}

/* A new client, unless CTL_CONNS_MAX are being served. */
static void
ctl_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct ctl		*c = arg;
	struct ctl_conn		*cc;
	struct timeval		 rtv = { CTL_READ_SECS, 0 };
	struct timeval		 wtv = { CTL_WRITE_SECS, 0 };

	(void)l;
	(void)sa;
	(void)salen;
	if (c->nconns >= CTL_CONNS_MAX) {
		log_warnx("control socket: %u clients already, one refused",
		    c->nconns);
		evutil_closesocket(fd);
		return;
	}
	if ((cc = calloc(1, sizeof(*cc))) == NULL ||
	    (cc->bev = bufferevent_socket_new(c->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		log_warn("control socket: new client");
		free(cc);
		evutil_closesocket(fd);
		return;
	}
	cc->ctl = c;
	TAILQ_INSERT_TAIL(&c->conns, cc, entry);
	c->nconns++;
	bufferevent_setcb(cc->bev, ctl_read, NULL, ctl_event, cc);
	bufferevent_set_timeouts(cc->bev, &rtv, &wtv);
	bufferevent_setwatermark(cc->bev, EV_READ, 0, CTL_LINE_MAX + 1);
	if (bufferevent_enable(cc->bev, EV_READ) == -1)
		ctl_close(cc);
}

/* Parse a command line: the command's index, or -1. */
int
ctl_parse(const char *line, const struct ctl_cmd *cmds, int *json)
{
	const char	*sp;
	size_t		 len, i;

	*json = 0;
	if ((sp = strchr(line, ' ')) != NULL) {
		if (strcmp(sp + 1, "json") != 0)
			return -1;
		*json = 1;
		len = (size_t)(sp - line);
	} else
		len = strlen(line);
	if (len == 0)
		return -1;
	for (i = 0; cmds[i].name != NULL; i++)
		if (strlen(cmds[i].name) == len &&
		    memcmp(cmds[i].name, line, len) == 0)
			return (int)i;
	return -1;
}

/* The client's command line: start its answer. */
static void
ctl_read(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*cc = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	char		*line;
	size_t		 len;
	int		 i;

	if ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) == NULL) {
		if (evbuffer_get_length(in) > CTL_LINE_MAX)
			ctl_close(cc);
		return;
	}
	bufferevent_disable(bev, EV_READ);
	if (len > CTL_LINE_MAX || memchr(line, '\0', len) != NULL ||
	    (i = ctl_parse(line, cc->ctl->cmds, &cc->job.json)) == -1) {
		free(line);
		cc->done = 1;
		if (evbuffer_add_printf(bufferevent_get_output(bev),
		    "error: unknown command\n") < 0) {
			ctl_close(cc);
			return;
		}
		bufferevent_setcb(bev, NULL, ctl_write, ctl_event, cc);
		return;
	}
	free(line);
	cc->cmd = &cc->ctl->cmds[i];
	json_init(&cc->job.j, bufferevent_get_output(bev));
	bufferevent_setwatermark(bev, EV_WRITE, CTL_LOW, 0);
	bufferevent_setcb(bev, NULL, ctl_write, ctl_event, cc);
	ctl_produce(cc);
}

/* One more batch of the answer. */
static void
ctl_produce(struct ctl_conn *cc)
{
	struct evbuffer	*out = bufferevent_get_output(cc->bev);
	int		 rc;

	rc = cc->cmd->fill(cc->ctl->arg, &cc->job, out);
	if (rc == -1 || cc->job.j.error) {
		log_warnx("control socket: answer to %s cut short",
		    cc->cmd->name);
		ctl_close(cc);
		return;
	}
	if (rc == 1) {
		cc->done = 1;
		/* From now on the write callback means "all sent". */
		bufferevent_setwatermark(cc->bev, EV_WRITE, 0, 0);
	}
}

/* The client read most of what waited: more, or the end. */
static void
ctl_write(struct bufferevent *bev, void *arg)
{
	struct ctl_conn	*cc = arg;

	if (!cc->done) {
		ctl_produce(cc);
		return;
	}
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		ctl_close(cc);
}

/* The client went away, or timed out. */
static void
ctl_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	ctl_close(arg);
}

/* Forget a client: the only place one is freed. */
static void
ctl_close(struct ctl_conn *cc)
{
	TAILQ_REMOVE(&cc->ctl->conns, cc, entry);
	cc->ctl->nconns--;
	bufferevent_free(cc->bev);
	free(cc);
}

/*
 * The client side: one command to the daemon at path and its answer on
 * stdout (an "error: " answer on stderr). 0, 1 when the daemon refused,
 * 2 when it could not be asked.
 */
int
ctl_client(const char *progname, const char *path, const char *cmd,
    int json)
{
	struct sockaddr_un	 sun;
	struct pollfd		 pfd;
	char			 buf[8192], line[CTL_LINE_MAX + 2];
	ssize_t			 n;
	size_t			 len;
	int			 fd, first = 1, err = 0;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: control socket %s: path too long\n",
		    progname, path);
		return 2;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	len = (size_t)snprintf(line, sizeof(line), "%s%s\n", cmd,
	    json ? " json" : "");
	if (len >= sizeof(line)) {
		fprintf(stderr, "%s: command too long\n", progname);
		return 2;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "%s: control socket %s: %s (is %s running, "
		    "and may you read the socket?)\n", progname, path,
		    strerror(errno), progname);
		if (fd != -1)
			close(fd);
		return 2;
	}
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "%s: control socket %s: %s\n", progname, path,
		    strerror(errno));
		close(fd);
		return 2;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		if (poll(&pfd, 1, CTL_WRITE_SECS * 1000) <= 0) {
			fprintf(stderr, "%s: no answer from %s\n", progname,
			    path);
			close(fd);
			return 2;
		}
		if ((n = read(fd, buf, sizeof(buf))) <= 0)
			break;
		if (first && (size_t)n >= 7 && memcmp(buf, "error: ", 7) == 0)
			err = 1;
		first = 0;
		if (fwrite(buf, 1, (size_t)n, err ? stderr : stdout) !=
		    (size_t)n)
			break;
	}
	close(fd);
	if (n < 0) {
		fprintf(stderr, "%s: control socket %s: %s\n", progname, path,
		    strerror(errno));
		return 2;
	}
	if (first) {
		fprintf(stderr, "%s: %s closed without an answer\n", progname,
		    path);
		return 2;
	}
	return err ? 1 : (fflush(stdout) == 0 ? 0 : 2);
}

/*
 * -c: check the command against the daemon's list, then ask it at path
 * ("" when control.socket turned the socket off). An exit status.
 */
int
ctl_main(const char *progname, const char *path, const struct ctl_cmd *cmds,
    const char *cmd, int json)
{
	int	i, dummy;

	if (strchr(cmd, ' ') != NULL || ctl_parse(cmd, cmds, &dummy) == -1) {
		fprintf(stderr, "%s: -c takes one of:", progname);
		for (i = 0; cmds[i].name != NULL; i++)
			fprintf(stderr, " %s", cmds[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	if (path[0] == '\0') {
		fprintf(stderr, "%s: control.socket is \"\": no control "
		    "socket\n", progname);
		return 2;
	}
	return ctl_client(progname, path, cmd, json);
}
