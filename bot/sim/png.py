"""The simulator draws its pictures with the bot's own PNG encoder."""

from bot.core.png import PNG_SIGNATURE, RowSource, encode_png, png_size

__all__ = ["PNG_SIGNATURE", "RowSource", "encode_png", "png_size"]
