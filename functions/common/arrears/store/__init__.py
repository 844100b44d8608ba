"""The only home of PynamoDB: tables, keys, conditional writes; items in, domain records out."""
