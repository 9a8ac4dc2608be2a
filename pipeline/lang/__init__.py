"""Language knowledge, one home for each piece: alphabets, orthographic and lexical
evidence, and the language identifier built on them."""
