/*
 * Logging for both halves: OpenBSD-style API, to stderr in the foreground
 * or to syslog, each line carrying its level.
 */
#ifndef VOFW_LOG_H
#define VOFW_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LEVEL_ERR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG
};

void	log_init(const char *ident, int use_syslog, enum log_level max);
void	log_set_debug(int on);
int	log_journal_stream(const char *env, int fd);
enum log_level log_get_level(void);

void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_errx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * Rate-limited lines for what an attacker can repeat at will (refusals,
 * bans): at most log_limit_lines per log_limit_interval seconds for each
 * kind, then one line saying how many were left out. One static struct
 * log_limit per kind, e.g. static struct log_limit ll = LOG_LIMIT("tunnel");
 */
struct log_limit {
	const char	*kind;
	long long	 start;		/* monotonic second the interval began */
	unsigned int	 lines;		/* written in this interval */
	unsigned long	 suppressed;	/* left out in this interval */
};

#define LOG_LIMIT(k)		{ (k), 0, 0, 0 }
#define LOG_LIMIT_LINES		10
#define LOG_LIMIT_INTERVAL	60

void	log_limit_set(unsigned int lines, unsigned int interval);
int	log_limit_check(struct log_limit *, long long now,
	    unsigned long *suppressed);
int	log_limit_pass(struct log_limit *);
void	log_refused(struct log_limit *, const char *addr, const char *, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
