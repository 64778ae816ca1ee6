"""What an internal customer pays: products, programmes, quotes, returns, transfer prices."""
