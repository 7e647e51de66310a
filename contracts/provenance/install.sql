SELECT ledger.install_contract('provenance', $source$

-- The event time is the ledger's time; nobody backdates an event.
CREATE FUNCTION time_problem(recorded_at timestamptz) RETURNS text LANGUAGE sql AS $$
    SELECT CASE WHEN recorded_at IS DISTINCT FROM ledger.now()
                THEN format('recorded_at must be the ledger time %s, not %s', ledger.now(), recorded_at) END $$;

CREATE FUNCTION is_registrar() RETURNS boolean LANGUAGE sql AS $$
    SELECT pg_has_role('provenance_registrar', 'MEMBER') $$;

-- A garage is authorised while its 'authorised' events outnumber its 'revoked' ones.
CREATE FUNCTION is_authorised_garage(g name) RETURNS boolean LANGUAGE sql AS $$
    SELECT count(*) FILTER (WHERE status = 'authorised') > count(*) FILTER (WHERE status = 'revoked')
      FROM public.garages WHERE garage = g $$;

-- The vehicle a part is fitted in now (NULL: none): the one where the part's installations
-- outnumber its removals. This does not depend on the order of the events.
CREATE FUNCTION current_vehicle(p text) RETURNS text LANGUAGE sql AS $$
    SELECT vin FROM public.installations WHERE part_id = p GROUP BY vin
    HAVING count(*) FILTER (WHERE kind = 'installed') > count(*) FILTER (WHERE kind = 'removed')
    LIMIT 1 $$;

CREATE FUNCTION is_recalled(m name, b text) RETURNS boolean LANGUAGE sql AS $$
    SELECT EXISTS (SELECT 1 FROM public.recalls WHERE actor = m AND batch = b) $$;

CREATE FUNCTION check_garage(g public.garages) RETURNS text LANGUAGE plpgsql AS $$
DECLARE authorised boolean;
BEGIN
    IF g.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, g.actor);
    END IF;
    IF NOT is_registrar() THEN
        RETURN format('only the registrar (a member of provenance_registrar) may authorise or revoke garages, not %s',
                      current_user);
    END IF;
    authorised := is_authorised_garage(g.garage);
    IF g.status = 'authorised' AND authorised THEN
        RETURN format('garage %s is already authorised', g.garage);
    END IF;
    IF g.status = 'revoked' AND NOT authorised THEN
        RETURN format('garage %s is not authorised, so there is nothing to revoke', g.garage);
    END IF;
    RETURN time_problem(g.recorded_at);
END $$;

CREATE FUNCTION check_part(p public.parts) RETURNS text LANGUAGE plpgsql AS $$
DECLARE today date := (ledger.now() AT TIME ZONE 'UTC')::date;
BEGIN
    IF p.manufacturer IS DISTINCT FROM current_user THEN
        RETURN format('a part is registered by its manufacturer: the manufacturer must be the acting role %s, not %s',
                      current_user, p.manufacturer);
    END IF;
    IF btrim(p.part_id) = '' OR btrim(p.batch) = '' THEN
        RETURN 'the part id and the batch must not be blank';
    END IF;
    IF p.produced_on > today THEN
        RETURN format('the production date %s is in the future (the ledger date is %s)', p.produced_on, today);
    END IF;
    IF EXISTS (SELECT 1 FROM public.parts WHERE part_id = p.part_id) THEN
        RETURN format('part %s is already registered', p.part_id);
    END IF;
    IF is_recalled(p.manufacturer, p.batch) THEN
        RETURN format('batch %s of %s is recalled: no new part may join it', p.batch, p.manufacturer);
    END IF;
    RETURN time_problem(p.recorded_at);
END $$;

CREATE FUNCTION check_vehicle(v public.vehicles) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF v.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, v.actor);
    END IF;
    IF NOT is_registrar() THEN
        RETURN format('only the registrar (a member of provenance_registrar) may register vehicles, not %s',
                      current_user);
    END IF;
    IF btrim(v.vin) = '' THEN
        RETURN 'the VIN must not be blank';
    END IF;
    IF EXISTS (SELECT 1 FROM public.vehicles WHERE vin = v.vin) THEN
        RETURN format('vehicle %s is already registered', v.vin);
    END IF;
    RETURN time_problem(v.recorded_at);
END $$;

-- What a garage's event on a part in a vehicle needs: the right actor, an authorised garage,
-- an existing part and an existing vehicle.
CREATE FUNCTION garage_event_problem(actor name, part text, vehicle text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    IF actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, actor);
    END IF;
    IF NOT is_authorised_garage(actor) THEN
        RETURN format('%s is not an authorised garage', actor);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.parts WHERE part_id = part) THEN
        RETURN format('part %s is not registered', part);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.vehicles WHERE vin = vehicle) THEN
        RETURN format('vehicle %s is not registered', vehicle);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_installation(i public.installations) RETURNS text LANGUAGE plpgsql AS $$
DECLARE problem text; fitted_in text; m name; b text;
BEGIN
    problem := garage_event_problem(i.actor, i.part_id, i.vin);
    IF problem IS NOT NULL THEN
        RETURN problem;
    END IF;
    fitted_in := current_vehicle(i.part_id);
    IF i.kind = 'installed' THEN
        IF fitted_in IS NOT NULL THEN
            RETURN format('part %s is already installed in vehicle %s', i.part_id, fitted_in);
        END IF;
        SELECT manufacturer, batch INTO m, b FROM public.parts WHERE part_id = i.part_id;
        IF is_recalled(m, b) THEN
            RETURN format('part %s belongs to batch %s of %s, which is recalled', i.part_id, b, m);
        END IF;
    ELSIF fitted_in IS DISTINCT FROM i.vin THEN
        RETURN format('part %s is not installed in vehicle %s', i.part_id, i.vin);
    END IF;
    RETURN time_problem(i.recorded_at);
END $$;

CREATE FUNCTION check_maintenance(m public.maintenance) RETURNS text LANGUAGE plpgsql AS $$
DECLARE problem text;
BEGIN
    problem := garage_event_problem(m.actor, m.part_id, m.vin);
    IF problem IS NOT NULL THEN
        RETURN problem;
    END IF;
    IF current_vehicle(m.part_id) IS DISTINCT FROM m.vin THEN
        RETURN format('part %s is not installed in vehicle %s', m.part_id, m.vin);
    END IF;
    IF btrim(m.work) = '' THEN
        RETURN 'the work done must be described';
    END IF;
    RETURN time_problem(m.recorded_at);
END $$;

CREATE FUNCTION check_recall(r public.recalls) RETURNS text LANGUAGE plpgsql AS $$
DECLARE makers text;
BEGIN
    IF r.actor IS DISTINCT FROM current_user THEN
        RETURN format('the actor must be the acting role %s, not %s', current_user, r.actor);
    END IF;
    IF NOT EXISTS (SELECT 1 FROM public.parts WHERE batch = r.batch AND manufacturer = r.actor) THEN
        SELECT string_agg(DISTINCT manufacturer::text, ', ' ORDER BY manufacturer::text) INTO makers
          FROM public.parts WHERE batch = r.batch;
        IF makers IS NULL THEN
            RETURN format('no registered part belongs to batch %s', r.batch);
        END IF;
        RETURN format('only the manufacturer of batch %s (%s) may recall it, not %s', r.batch, makers, r.actor);
    END IF;
    IF is_recalled(r.actor, r.batch) THEN
        RETURN format('batch %s of %s is already recalled', r.batch, r.actor);
    END IF;
    IF btrim(r.reason) = '' THEN
        RETURN 'a recall must give its reason';
    END IF;
    RETURN time_problem(r.recorded_at);
END $$;

$source$, '{"public.garages": {"row": "check_garage"},
            "public.parts": {"row": "check_part"},
            "public.vehicles": {"row": "check_vehicle"},
            "public.installations": {"row": "check_installation"},
            "public.maintenance": {"row": "check_maintenance"},
            "public.recalls": {"row": "check_recall"}}');
