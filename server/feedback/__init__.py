"""What visitors told us: variants they rated down are not shown to them again."""
