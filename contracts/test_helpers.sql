-- Assertions shared by the contracts' test.sql scripts; run_tests.sh loads
-- this file in the same session, just before each test.
\set ON_ERROR_STOP 1

-- expect_refusal runs a statement that a check must refuse with this
-- SQLSTATE and a message containing fragment.
CREATE FUNCTION pg_temp.expect_refusal(statement text, state text, fragment text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE got_state text; got_message text;
BEGIN
    BEGIN
        EXECUTE statement;
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS got_state = RETURNED_SQLSTATE, got_message = MESSAGE_TEXT;
        IF got_state <> state OR position(fragment IN got_message) = 0 THEN
            RAISE EXCEPTION 'expected % containing "%", got %: %', state, fragment, got_state, got_message;
        END IF;
        RETURN;
    END;
    RAISE EXCEPTION 'expected % containing "%", but it succeeded: %', state, fragment, statement;
END $$;

-- assert_refused checks a refusal psql saw at COMMIT (LAST_ERROR_SQLSTATE,
-- LAST_ERROR_MESSAGE): transaction checks fire where EXECUTE cannot reach.
CREATE FUNCTION pg_temp.assert_refused(got_state text, got_message text, state text, fragment text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF got_state IS DISTINCT FROM state OR position(fragment IN got_message) = 0 THEN
        RAISE EXCEPTION 'expected % containing "%", got %: %', state, fragment, got_state, got_message;
    END IF;
END $$;

CREATE FUNCTION pg_temp.expect(condition boolean, what text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF condition IS NOT TRUE THEN
        RAISE EXCEPTION 'expected: %', what;
    END IF;
END $$;
