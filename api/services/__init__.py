"""Operations shared by routes and command-line commands."""
