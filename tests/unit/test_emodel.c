/*
 * Unit tests for the E-model (common/emodel.c). The expected figures are
 * worked out by hand from shared/product.md's formula, in the comments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "emodel.h"

#define EPS	0.001

/* G.711 with PLC, no delay, no loss: R = 93.2, the ceiling. */
static void
test_emodel_clean(void **state)
{
	struct emodel_codec	 c;

	(void)state;
	emodel_codec(0, &c);
	/*
	 * MOS = 1 + 0.035 * 93.2 + 7e-6 * 93.2 * 33.2 * 6.8
	 *     = 1 + 3.262 + 7e-6 * 21040.83 = 4.2620 + 0.14729 = 4.4093
	 */
	assert_float_equal(emodel_r(0, 0, &c), 93.2, EPS);
	assert_float_equal(emodel_mos(emodel_r(0, 0, &c)), 4.4093, EPS);
	emodel_codec(8, &c);
	assert_float_equal(emodel_r(0, 0, &c), 93.2, EPS);
}

/* Random loss with G.711's Bpl of 25.1. */
static void
test_emodel_loss(void **state)
{
	struct emodel_codec	 c;

	(void)state;
	emodel_codec(0, &c);
	/*
	 * 1 %: Ie,eff = 95 * 1 / 26.1 = 3.6398, R = 89.5602;
	 * MOS = 1 + 3.13461 + 7e-6 * 89.5602 * 29.5602 * 10.4398
	 *     = 4.13461 + 7e-6 * 27638.6 = 4.13461 + 0.19347 = 4.3281
	 */
	assert_float_equal(emodel_r(0, 1, &c), 89.5602, EPS);
	assert_float_equal(emodel_mos(89.5602), 4.3281, EPS);
	/*
	 * 5 %: Ie,eff = 95 * 5 / 30.1 = 15.7807, R = 77.4193;
	 * MOS = 1 + 2.70968 + 7e-6 * 77.4193 * 17.4193 * 22.5807
	 *     = 3.70968 + 7e-6 * 30452.0 = 3.70968 + 0.21316 = 3.9228
	 */
	assert_float_equal(emodel_r(0, 5, &c), 77.4193, EPS);
	assert_float_equal(emodel_mos(77.4193), 3.9228, EPS);
	/* Past 100 % it is 100 %: Ie,eff = 95 * 100 / 125.1 = 75.9393. */
	assert_float_equal(emodel_r(0, 250, &c), 93.2 - 75.9393, EPS);
}

/* One-way delay: the knee at 177.3 ms. */
static void
test_emodel_delay(void **state)
{
	struct emodel_codec	 c;

	(void)state;
	emodel_codec(0, &c);
	/* 100 ms: Id = 0.024 * 100 = 2.4, below the knee. */
	assert_float_equal(emodel_r(100, 0, &c), 90.8, EPS);
	/*
	 * 200 ms: Id = 0.024 * 200 + 0.11 * 22.7 = 4.8 + 2.497 = 7.297,
	 * R = 85.903; MOS = 1 + 3.00661 + 7e-6 * 85.903 * 25.903 * 14.097
	 *     = 4.00661 + 7e-6 * 31367.6 = 4.00661 + 0.21957 = 4.2262
	 */
	assert_float_equal(emodel_r(200, 0, &c), 85.903, EPS);
	assert_float_equal(emodel_mos(85.903), 4.2262, EPS);
	/* 200 ms and 5 %: R = 93.2 - 7.297 - 15.7807 = 70.1223. */
	assert_float_equal(emodel_r(200, 5, &c), 70.1223, EPS);
	assert_float_equal(emodel_mos(70.1223), 3.6027, EPS);
}

/* MOS stays within 1 .. 4.5, and G.729 starts lower (Ie = 11). */
static void
test_emodel_bounds(void **state)
{
	struct emodel_codec	 c;

	(void)state;
	assert_float_equal(emodel_mos(-20), 1.0, EPS);
	assert_float_equal(emodel_mos(0), 1.0, EPS);
	assert_float_equal(emodel_mos(120), 4.5, EPS);
	emodel_codec(18, &c);
	assert_float_equal(emodel_r(0, 0, &c), 82.2, EPS);
	assert_float_equal(emodel_r(-5, -1, &c), 82.2, EPS);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_emodel_clean),
		cmocka_unit_test(test_emodel_loss),
		cmocka_unit_test(test_emodel_delay),
		cmocka_unit_test(test_emodel_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
