/*
 * libFuzzer target for the NTLM CHALLENGE parser (common/ntlm.c): the
 * input is the decoded message a proxy sends in its 407. Whatever it
 * holds, the parser reads only inside it; a message it accepts is
 * answered with an AUTHENTICATE that fits the buffer and whose fields
 * point inside what was written.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ntlm.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t		 cchal[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	static const struct ntlm_identity id = { "user", "DOMAIN", "secret",
					    "hrac" };
	struct ntlm_challenge		 c;
	uint8_t				*copy, out[NTLM_MSG_MAX + 1024];
	size_t				 len, i;
	uint32_t			 off, n;

	/* A copy of its exact size, so ASan sees any read past the end. */
	if ((copy = malloc(size > 0 ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (ntlm_parse_challenge(copy, size, &c) == 0) {
		if (c.target_info_len > NTLM_TARGET_INFO_MAX)
			abort();
		if (ntlm_authenticate(&c, &id, cchal, 0, out, sizeof(out),
		    &len) == 0) {
			if (len > sizeof(out))
				abort();
			for (i = 12; i <= 44; i += 8) {
				n = (uint32_t)(out[i] | out[i + 1] << 8);
				off = (uint32_t)(out[i + 4] | out[i + 5] << 8 |
				    out[i + 6] << 16 | (uint32_t)out[i + 7] <<
				    24);
				if (off > len || n > len - off)
					abort();
			}
		}
	}
	free(copy);
	return 0;
}
