/*
 * Unit tests for the control socket's command parser (common/ctl.c):
 * a known command, optionally followed by " json", and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctl.h"

static const struct ctl_cmd tc_cmds[] = {
	{ "status", NULL },
	{ "calls", NULL },
	{ NULL, NULL }
};

static void
test_ctl_parse(void **state)
{
	int	json = -1;

	(void)state;
	assert_int_equal(ctl_parse("status", tc_cmds, &json), 0);
	assert_int_equal(json, 0);
	assert_int_equal(ctl_parse("calls json", tc_cmds, &json), 1);
	assert_int_equal(json, 1);
	assert_int_equal(ctl_parse("calls", tc_cmds, &json), 1);
	assert_int_equal(json, 0);
	/* Prefixes, extensions, case, other words, extra spaces. */
	assert_int_equal(ctl_parse("call", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("callsx", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("CALLS", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("calls JSON", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("calls  json", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("calls json ", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("calls json x", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse(" calls", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse(" json", tc_cmds, &json), -1);
	assert_int_equal(ctl_parse("calls\r", tc_cmds, &json), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
