/*
 * Logging for both halves. Lines go to stderr (journald stamps them) or to
 * syslog; each carries its level so a sysadmin can grep for warnings. When
 * stderr is the journal ($JOURNAL_STREAM names its device and inode, see
 * systemd.exec(5)) each line starts with its syslog priority ("<4>", as
 * sd-daemon(3) says), so `journalctl -p warning` can filter.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static void	log_vwrite(enum log_level, const char *, const char *, va_list)
		    __attribute__((format(printf, 3, 0)));

static const char	*log_ident = "vofw";
static int		 log_syslog;
static int		 log_journal;	/* stderr is the journal's stream */
static enum log_level	 log_max = LOG_LEVEL_INFO;
static enum log_level	 log_floor = LOG_LEVEL_INFO;	/* log_init's */

static unsigned int	 log_limit_lines = LOG_LIMIT_LINES;
static unsigned int	 log_limit_interval = LOG_LIMIT_INTERVAL;

static const char *const log_names[] = { "error", "warning", "info", "debug" };
static const int log_prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
/* sd-daemon(3)'s SD_ERR, SD_WARNING, SD_INFO, SD_DEBUG. */
static const char *const log_journal_prio[] = { "<3>", "<4>", "<6>", "<7>" };

/* Choose where log lines go and how verbose they are. */
void
log_init(const char *ident, int use_syslog, enum log_level max)
{
	log_ident = ident;
	log_syslog = use_syslog;
	log_max = log_floor = max;
	log_journal = 0;
	if (log_syslog)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	else
		log_journal = log_journal_stream(getenv("JOURNAL_STREAM"),
		    STDERR_FILENO);
}

/*
 * Whether fd is the stream $JOURNAL_STREAM ("DEVICE:INODE", both decimal)
 * names: 1 when it is, 0 when not, when the variable is absent or
 * malformed, or fd cannot be examined.
 */
int
log_journal_stream(const char *env, int fd)
{
	struct stat	 st;
	uintmax_t	 dev, ino;
	char		*end;

	if (env == NULL || env[0] < '0' || env[0] > '9')
		return 0;
	errno = 0;
	dev = strtoumax(env, &end, 10);
	if (errno != 0 || *end != ':' || end[1] < '0' || end[1] > '9')
		return 0;
	ino = strtoumax(end + 1, &end, 10);
	if (errno != 0 || *end != '\0')
		return 0;
	if (fstat(fd, &st) == -1)
		return 0;
	return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

/*
 * The configuration's log.debug, at start and on every reload: debug
 * lines when it is on, or when log_init asked for them (-d), which no
 * reload takes back.
 */
void
log_set_debug(int on)
{
	log_max = on ? LOG_LEVEL_DEBUG : log_floor;
}

/* Current verbosity, so callers can skip building costly debug lines. */
enum log_level
log_get_level(void)
{
	return log_max;
}

/* Write one line at a level, with an optional strerror suffix. */
static void
log_vwrite(enum log_level level, const char *suffix, const char *fmt,
    va_list ap)
{
	char	 msg[1024], *p;
	int	 n;

	if (level > log_max)
		return;
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	/* Lines often quote what a peer sent: no control bytes reach the
	 * terminal or the log file (escape sequences, forged lines). */
	for (p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (log_syslog) {
		if (suffix != NULL)
			syslog(log_prio[level], "%s: %s", msg, suffix);
		else
			syslog(log_prio[level], "%s", msg);
		return;
	}
	if (suffix != NULL)
		fprintf(stderr, "%s%s: %s: %s: %s\n", log_journal ?
		    log_journal_prio[level] : "", log_ident, log_names[level],
		    msg, suffix);
	else
		fprintf(stderr, "%s%s: %s: %s\n", log_journal ?
		    log_journal_prio[level] : "", log_ident, log_names[level],
		    msg);
}

/* Warning with the current errno's description appended. */
void
log_warn(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Error that does not end the process (a refused reload). */
void
log_errx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, NULL, fmt, ap);
	va_end(ap);
}

/* Warning without errno. */
void
log_warnx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_WARN, NULL, fmt, ap);
	va_end(ap);
}

/* Informational line: state changes a sysadmin wants to see. */
void
log_info(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_INFO, NULL, fmt, ap);
	va_end(ap);
}

/* Debug line, shown with -d. */
void
log_debug(const char *fmt, ...)
{
	va_list	 ap;

	if (log_max < LOG_LEVEL_DEBUG)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

/* Start-up or config error with errno: log and exit. */
void
fatal(const char *fmt, ...)
{
	va_list	 ap;
	int	 saved = errno;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

/* Start-up or config error: log and exit. */
void
fatalx(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	log_vwrite(LOG_LEVEL_ERR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

/* How many lines of one kind each interval (seconds) may hold. */
void
log_limit_set(unsigned int lines, unsigned int interval)
{
	log_limit_lines = lines;
	log_limit_interval = interval > 0 ? interval : 1;
}

/*
 * Count one line of a kind at monotonic second now: 1 when it may be
 * written, 0 when it is left out. When a new interval begins, *suppressed
 * gets how many the last one left out (for one summary line), else 0.
 */
int
log_limit_check(struct log_limit *ll, long long now, unsigned long *suppressed)
{
	*suppressed = 0;
	if (ll->start == 0 || now - ll->start >= log_limit_interval ||
	    now < ll->start) {
		*suppressed = ll->suppressed;
		ll->start = now > 0 ? now : 1;
		ll->lines = 0;
		ll->suppressed = 0;
	}
	if (ll->lines >= log_limit_lines) {
		ll->suppressed++;
		return 0;
	}
	ll->lines++;
	return 1;
}

/*
 * Whether a line of a rate-limited kind may be written now; when an
 * interval that left lines out has ended, says so first ("refused KIND:
 * N more lines suppressed").
 */
int
log_limit_pass(struct log_limit *ll)
{
	struct timespec	 ts;
	unsigned long	 n;
	int		 ok;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ok = log_limit_check(ll, (long long)ts.tv_sec, &n);
	if (n > 0)
		log_warnx("refused %s: %lu more lines suppressed", ll->kind, n);
	return ok;
}

/*
 * A refusal, as one warning "refused KIND from ADDR: why", rate-limited
 * per kind. The summary of a busy interval comes with the first line of
 * the next: "refused KIND: N more lines suppressed".
 */
void
log_refused(struct log_limit *ll, const char *addr, const char *fmt, ...)
{
	char		 why[512];
	va_list		 ap;

	if (!log_limit_pass(ll) || LOG_LEVEL_WARN > log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_warnx("refused %s from %s: %s", ll->kind, addr, why);
}
