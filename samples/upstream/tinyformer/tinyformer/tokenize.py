"""Byte-level tokenizer used by the tinyformer examples."""


class ByteTokenizer:
    def __init__(self, specials=("<pad>", "<eos>")):
        self.specials = list(specials)
        self.offset = len(self.specials)

    @property
    def vocab_size(self):
        return 256 + self.offset

    def encode(self, text, add_eos=True):
        ids = [b + self.offset for b in text.encode("utf-8")]
        if add_eos:
            ids.append(self.specials.index("<eos>"))
        return ids

    def decode(self, ids):
        data = bytes(i - self.offset for i in ids if i >= self.offset)
        return data.decode("utf-8", errors="replace")
