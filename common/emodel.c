/*
 * The simplified E-model (see emodel.h): Id = 0.024 d + 0.11 (d - 177.3)
 * H(d - 177.3), Ie,eff = Ie + (95 - Ie) P / (P + Bpl), R = 93.2 - Id -
 * Ie,eff, MOS = 1 + 0.035 R + 7e-6 R (R - 60) (100 - R).
 */
#include "emodel.h"

#define EMODEL_G729_IE	11.0
#define EMODEL_G729_BPL	19.0

/* A codec's impairment figures by payload type. */
void
emodel_codec(unsigned int pt, struct emodel_codec *c)
{
	if (pt == 18) {
		c->ie = EMODEL_G729_IE;
		c->bpl = EMODEL_G729_BPL;
	} else {
		c->ie = EMODEL_G711_IE;
		c->bpl = EMODEL_G711_BPL;
	}
}

/* The transmission rating factor R. */
double
emodel_r(double delay_ms, double loss_pct, const struct emodel_codec *c)
{
	double	 id, ie_eff;

	if (!(delay_ms > 0))
		delay_ms = 0;
	if (!(loss_pct > 0))
		loss_pct = 0;
	if (loss_pct > 100)
		loss_pct = 100;
	id = 0.024 * delay_ms;
	if (delay_ms > 177.3)
		id += 0.11 * (delay_ms - 177.3);
	ie_eff = c->ie + (95.0 - c->ie) * loss_pct / (loss_pct + c->bpl);
	return EMODEL_R0 - id - ie_eff;
}

/* The mean opinion score of R. */
double
emodel_mos(double r)
{
	if (!(r > 0))
		return 1.0;
	if (r > 100)
		return 4.5;
	return 1.0 + 0.035 * r + 7e-6 * r * (r - 60.0) * (100.0 - r);
}
