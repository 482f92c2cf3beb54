error({ reason = 'no message field' })
