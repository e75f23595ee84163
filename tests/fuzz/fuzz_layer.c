/*
 * fuzz_layer.c - libFuzzer target for the whole layer pipeline: bytes
 * (gzip, zstd or plain, by magic) -> tar -> ext4 -> dm-verity.  Any input
 * must end in a root hash or an error, never a crash, leak or hang.
 */
#include <stddef.h>
#include <stdint.h>

#include "engine/layer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gate_err err = GATE_ERR_INIT;
	struct gate_layer_result res;
	gate_layer *l = NULL;
	/* split the input in two writes to exercise chunk boundaries */
	size_t half = size / 2;

	if (gate_layer_new(&l, NULL, &err) == 0 &&
	    gate_layer_write(l, data, half, &err) == 0 &&
	    gate_layer_write(l, data + half, size - half, &err) == 0)
		(void)gate_layer_finish(l, &res, &err);
	gate_layer_free(l);
	return 0;
}
