/*
 * Unit tests of the log limiter: at most log.limit_lines lines of a kind
 * per interval, the rest counted and reported once when the next interval
 * begins, kinds counted apart, and log_refused's line with its address;
 * and of the journal's priority prefixes: $JOURNAL_STREAM parsed and
 * matched against stderr, "<N>" before each line only when it matches.
 */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static char	*tl_capture(void (*)(void));
static void	 tl_refuse_many(void);
static void	 tl_journal_lines(void);

/* N lines pass, the rest are counted; a new interval reports them. */
static void
test_limit_interval(void **state)
{
	struct log_limit	 ll = LOG_LIMIT("test");
	unsigned long		 n;
	int			 i, passed = 0;

	(void)state;
	log_limit_set(3, 10);
	for (i = 0; i < 10; i++) {
		passed += log_limit_check(&ll, 100, &n);
		assert_int_equal(n, 0);
	}
	assert_int_equal(passed, 3);
	/* Still the same interval nine seconds on. */
	assert_int_equal(log_limit_check(&ll, 109, &n), 0);
	assert_int_equal(n, 0);
	/* The next one: the 8 left out are reported once. */
	assert_int_equal(log_limit_check(&ll, 110, &n), 1);
	assert_int_equal(n, 8);
	assert_int_equal(log_limit_check(&ll, 111, &n), 1);
	assert_int_equal(n, 0);
	/* A quiet interval reports nothing. */
	assert_int_equal(log_limit_check(&ll, 200, &n), 1);
	assert_int_equal(n, 0);
	log_limit_set(LOG_LIMIT_LINES, LOG_LIMIT_INTERVAL);
}

/* Each kind has its own count. */
static void
test_limit_kinds(void **state)
{
	struct log_limit	 a = LOG_LIMIT("a"), b = LOG_LIMIT("b");
	unsigned long		 n;

	(void)state;
	log_limit_set(1, 60);
	assert_int_equal(log_limit_check(&a, 5, &n), 1);
	assert_int_equal(log_limit_check(&a, 5, &n), 0);
	assert_int_equal(log_limit_check(&b, 5, &n), 1);
	assert_int_equal(log_limit_check(&b, 6, &n), 0);
	/* A zero interval is taken as one second. */
	log_limit_set(1, 0);
	assert_int_equal(log_limit_check(&a, 6, &n), 1);
	assert_int_equal(n, 1);
	log_limit_set(LOG_LIMIT_LINES, LOG_LIMIT_INTERVAL);
}

/* Run fn with stderr going to a file; return what it wrote. */
static char *
tl_capture(void (*fn)(void))
{
	char	 path[] = "/tmp/test_log.XXXXXX", *buf;
	FILE	*f;
	long	 len;
	int	 fd, saved;

	fd = mkstemp(path);
	assert_true(fd != -1);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	fn();
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	return buf;
}

/* Fifty refusals of one kind in a burst. */
static void
tl_refuse_many(void)
{
	static struct log_limit	 ll = LOG_LIMIT("tunnel");
	int			 i;

	for (i = 0; i < 50; i++)
		log_refused(&ll, "198.51.100.66", "slow head %d", i);
}

/* log_refused writes the documented line, at most limit_lines of them. */
static void
test_refused_line(void **state)
{
	char	*out, *p;
	int	 lines = 0;

	(void)state;
	log_init("test", 0, LOG_LEVEL_INFO);
	log_limit_set(4, 3600);
	out = tl_capture(tl_refuse_many);
	for (p = out; (p = strstr(p, "\n")) != NULL; p++)
		lines++;
	assert_int_equal(lines, 4);
	assert_non_null(strstr(out, "test: warning: refused tunnel from "
	    "198.51.100.66: slow head 0\n"));
	assert_null(strstr(out, "slow head 4"));
	free(out);
	log_limit_set(LOG_LIMIT_LINES, LOG_LIMIT_INTERVAL);
}

/* JOURNAL_STREAM is "DEVICE:INODE" of the very file, or it is not. */
static void
test_journal_stream(void **state)
{
	static const char *const bad[] = { "", "12", "12:", ":12", "a:1",
	    "1:2x", "-1:2", "+1:2", " 1:2", "1: 2", "1:-2",
	    "99999999999999999999999:1", "1:99999999999999999999999" };
	char		 path[] = "/tmp/test_log.XXXXXX", env[64];
	struct stat	 st;
	size_t		 i;
	int		 fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd != -1);
	assert_int_equal(fstat(fd, &st), 0);
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	assert_int_equal(log_journal_stream(env, fd), 1);
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino + 1);
	assert_int_equal(log_journal_stream(env, fd), 0);
	assert_int_equal(log_journal_stream(NULL, fd), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(log_journal_stream(bad[i], fd), 0);
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	close(fd);
	unlink(path);
	/* A closed descriptor is no stream. */
	assert_int_equal(log_journal_stream(env, fd), 0);
}

/* One line of each level with stderr as the journal, one without. */
static void
tl_journal_lines(void)
{
	struct stat	 st;
	char		 env[64];

	assert_int_equal(fstat(2, &st), 0);
	snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev,
	    (uintmax_t)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", env, 1), 0);
	log_init("test", 0, LOG_LEVEL_DEBUG);
	log_errx("e");
	log_warnx("w");
	log_info("i");
	log_debug("d");
	assert_int_equal(unsetenv("JOURNAL_STREAM"), 0);
	log_init("test", 0, LOG_LEVEL_INFO);
	log_info("plain");
}

/* "<3>" error, "<4>" warning, "<6>" info, "<7>" debug; else nothing. */
static void
test_journal_prefix(void **state)
{
	char	*out;

	(void)state;
	out = tl_capture(tl_journal_lines);
	assert_string_equal(out, "<3>test: error: e\n<4>test: warning: w\n"
	    "<6>test: info: i\n<7>test: debug: d\ntest: info: plain\n");
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_limit_interval),
		cmocka_unit_test(test_limit_kinds),
		cmocka_unit_test(test_refused_line),
		cmocka_unit_test(test_journal_stream),
		cmocka_unit_test(test_journal_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
