"""In-moment surveys: which ones a visitor may be asked now, what each visitor was asked, and profile traits."""
