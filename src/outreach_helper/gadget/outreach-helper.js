/**
 * Outreach Dashboard Helper: is this user in an Outreach Dashboard course, and who runs it?
 *
 * On User:, User talk: (and their subpages), Special:Contributions/X and
 * Special:DeletedContributions/X this gadget asks the Outreach Dashboard Helper service,
 * once per page view, whether the user is in any course of the Outreach Dashboard
 * (https://outreachdashboard.wmflabs.org). If so, it shows a link with a light where it can
 * be seen without opening a menu (a page indicator beside the title, or a menu of choice):
 *   green  - an event of one of the user's courses is on right now;
 *   yellow - a course of theirs is active (its edits are tracked), but no event is on;
 *   grey   - they have courses, none of them active.
 * The link opens a dialog that lists the courses (dates, the user's role, facilitators) and
 * copies a {{ping}} for the facilitators. The `dashboards` setting adds other dashboards the
 * service answers for, such as the Wiki Education Dashboard (https://dashboard.wikiedu.org):
 * then the link names the program, and the dialog lists each dashboard's courses apart, in
 * that dashboard's words (Student and Instructor in Wiki Education's classroom courses). On lists of changes (Recent changes, Watchlist,
 * histories, New pages, logs) it marks each username in a current course with a small light
 * (one request per 50 names; a facilitator's mark also has outreach-helper-mark-facilitator).
 * If the service is slow or down, nothing is shown: the gadget never breaks a page.
 *
 * Installation, source and licence (MIT): https://outreach-helper.toolforge.org/
 * Plain ES5 syntax (MediaWiki 1.39's ResourceLoader accepts nothing newer in gadgets), no
 * build step. Every visible string is a message (outreach-helper-*) with an English
 * default; translations come as JSON pages of this package gadget, in the reader's language
 * or its fallbacks (see chooseMessages), and a wiki's own messages, set before this script
 * runs, win.
 * Other scripts can listen to mw.hook( 'outreachHelper.ready' ), fired once per page with
 * the outcome: 'event', 'tracking', 'inactive', 'none', 'unavailable' or 'skipped'; and to
 * mw.hook( 'outreachHelper.marked' ), fired with the names of each answered batch of a list.
 */
( function () {
	'use strict';

	// Where each known dashboard lives, for links when the service's answer does not say
	// (its `dashboard_urls` and each course's `dashboard_url` win).
	var DASHBOARD_BASES = {
		outreach: 'https://outreachdashboard.wmflabs.org',
		wikiedu: 'https://dashboard.wikiedu.org'
	};
	var DEFAULT_DASHBOARD = 'outreach';
	// A dashboard's name, as the service's DASHBOARDS spells it.
	var DASHBOARD_NAME = /^[a-z0-9]+$/;
	// Rosters read when the dialog opens, to tell instructors from Wiki Education staff.
	var MAX_ROSTERS = 10;
	// Wikimedia asks scripts to say who they are; browsers do not let them set User-Agent.
	var API_USER_AGENT = 'outreach-helper-gadget/1.1 (https://outreach-helper.toolforge.org/)';
	var LINK_ID = 't-outreach-helper';
	// The batch endpoint takes up to 50 names, as the MediaWiki API does.
	var BATCH_SIZE = 50;
	// Special pages that list changes with username links.
	var LIST_PAGES = [ 'Recentchanges', 'Recentchangeslinked', 'Watchlist', 'Newpages', 'Log' ];

	// The English messages: a copy of i18n/en.json (tests/unit/test_gadget_i18n.py keeps them
	// equal), here so that English never needs a page of its own and is what a missing,
	// broken or emptied message falls back to.
	var MESSAGES = {
		'outreach-helper-link-event': 'Outreach: event now',
		'outreach-helper-link-tracking': 'Outreach: active course',
		'outreach-helper-link-inactive': 'Outreach: no active course',
		'outreach-helper-tooltip-event': '$1 is in an Outreach Dashboard event happening now',
		'outreach-helper-tooltip-tracking': '$1 is in an active Outreach Dashboard course; no event is on right now',
		'outreach-helper-tooltip-inactive': '$1 has Outreach Dashboard courses, none of them active',
		'outreach-helper-link-program-event': '$1: event now',
		'outreach-helper-link-program-tracking': '$1: active course',
		'outreach-helper-link-program-inactive': '$1: no active course',
		'outreach-helper-tooltip-program': '$1 – $2',
		'outreach-helper-program-outreach': 'Outreach',
		'outreach-helper-program-wikiedu': 'Wiki Education',
		'outreach-helper-dashboard-outreach': 'Outreach Dashboard',
		'outreach-helper-dashboard-wikiedu': 'Wiki Education Dashboard',
		'outreach-helper-dashboard-other': 'Dashboard ($1)',
		'outreach-helper-dialog-title': 'Outreach Dashboard courses of $1',
		'outreach-helper-dialog-title-courses': 'Dashboard courses of $1',
		'outreach-helper-close': 'Close',
		'outreach-helper-loading': 'Loading…',
		'outreach-helper-unavailable': 'The course data is unavailable right now. Please try again later.',
		'outreach-helper-no-courses': 'No courses found.',
		'outreach-helper-course-count': '{{PLURAL:$1|$2 course|$2 courses}}',
		'outreach-helper-state-event': 'Event on now',
		'outreach-helper-state-tracking': 'Active',
		'outreach-helper-state-inactive': 'Not active',
		'outreach-helper-dates': 'Dates',
		'outreach-helper-event-dates': 'Event',
		'outreach-helper-date-range': '$1 – $2',
		'outreach-helper-dates-unknown': 'unknown',
		'outreach-helper-role': 'Role',
		'outreach-helper-role-student': '{{GENDER:$1|Student}}',
		'outreach-helper-role-instructor': '{{GENDER:$1|Instructor}}',
		'outreach-helper-role-editor': '{{GENDER:$1|Editor}}',
		'outreach-helper-role-facilitator': '{{GENDER:$1|Facilitator}}',
		'outreach-helper-role-campus-volunteer': '{{GENDER:$1|Campus Volunteer}}',
		'outreach-helper-role-online-volunteer': '{{GENDER:$1|Online Volunteer}}',
		'outreach-helper-role-staff': '{{GENDER:$1|Wiki Education Staff}}',
		'outreach-helper-facilitators': '{{PLURAL:$1|Facilitator|Facilitators}}',
		'outreach-helper-instructors': '{{PLURAL:$1|Instructor|Instructors}}',
		'outreach-helper-no-facilitators': 'none listed',
		'outreach-helper-facilitators-unknown': 'unknown',
		'outreach-helper-ping-active': 'Ping the facilitators of the active courses:',
		'outreach-helper-ping-all': 'Ping the facilitators of these courses:',
		'outreach-helper-ping-active-instructors': 'Ping the instructors of the active courses:',
		'outreach-helper-ping-all-instructors': 'Ping the instructors of these courses:',
		// Wikis name their ping template differently; $1 is "Name1|Name2|...".
		'outreach-helper-ping-template': '{{ping|$1}}',
		'outreach-helper-copy': 'Copy',
		'outreach-helper-copied': 'Copied to the clipboard.',
		'outreach-helper-copy-failed': 'Could not copy. Select the text and copy it yourself.',
		'outreach-helper-profile': 'Profile on the Outreach Dashboard',
		'outreach-helper-profile-on': 'Profile on the $1'
	};

	// The service names a user's role in the course's own words (its `role_name`, English);
	// these are the keys to show them translated.
	var ROLE_KEYS = {
		Student: 'student',
		Instructor: 'instructor',
		Editor: 'editor',
		Facilitator: 'facilitator',
		'Campus Volunteer': 'campus-volunteer',
		'Online Volunteer': 'online-volunteer',
		'Wiki Education Staff': 'staff'
	};
	// A course's `string_prefix` says which words its Dashboard uses: 'courses' (Wiki
	// Education's classroom courses: Student, Instructor, Course) or 'courses_generic'
	// (Editor, Facilitator, Program). A service that sends only `user_role` ("Student",
	// "Instructor") is read through these.
	var CLASSROOM = 'courses';
	var GENERIC = 'courses_generic';
	var OWN_WORDS = {
		courses: { Student: 'Student', Instructor: 'Instructor' },
		courses_generic: { Student: 'Editor', Instructor: 'Facilitator' }
	};
	var WIKI_ED_STAFF_ROLE = 4;

	// Loaded twice (a gadget and a common.js import, say)? Act once.
	if ( window.outreachHelperLoaded ) {
		return;
	}
	window.outreachHelperLoaded = true;

	// ---- Settings ----------------------------------------------------------------------
	// Read when the gadget starts, after the user's own scripts: a user can override any of
	// them in their common.js, e.g.
	//     window.outreachHelperConfig = { portlet: 'p-cactions', marks: false };
	var settings;

	function readSettings() {
		return Object.assign( {
			// The Outreach Dashboard Helper service.
			apiBase: 'https://outreach-helper.toolforge.org',
			// The menu that gets the link ('p-tb' Tools, 'p-cactions' More, ...); null puts it
			// beside the page title (a page indicator), where every skin shows it.
			portlet: null,
			// Mark usernames with courses on Recent changes, Watchlist, histories, etc.
			marks: true,
			// Milliseconds to wait for the service before giving up quietly.
			timeout: 8000,
			// The dashboards to ask, as the service names them: 'outreach' (the Outreach
			// Dashboard), 'wikiedu' (the Wiki Education Dashboard); English Wikipedia, say:
			// [ 'wikiedu', 'outreach' ]. The dialog lists their courses in this order.
			dashboards: [ 'outreach' ]
		}, window.outreachHelperConfig );
	}

	/** The `dashboards` setting as a list of distinct names; the default for anything else. */
	function dashboardNames( value ) {
		var names = typeof value === 'string' ? [ value ] : value;
		var valid = Array.isArray( names ) && names.length > 0 && names.every( function ( name ) {
			return typeof name === 'string' && DASHBOARD_NAME.test( name );
		} );
		if ( !valid ) {
			mw.log.warn( '[outreach-helper] setting dashboards: not a list of names; ignored:', value );
			return [ DEFAULT_DASHBOARD ];
		}
		return names.filter( function ( name, index ) {
			return names.indexOf( name ) === index;
		} );
	}

	/**
	 * A user route with the dashboards asked: `dashboard=all` for several, `dashboard=NAME`
	 * for one other than the default, nothing for the default alone (so its URLs, and what
	 * browsers and the service cache for them, stay as they were).
	 */
	function withDashboards( path ) {
		var names = settings.dashboards;
		if ( onlyDefault() ) {
			return path;
		}
		return path + ( path.indexOf( '?' ) === -1 ? '?' : '&' ) + 'dashboard=' +
			( names.length > 1 ? 'all' : names[ 0 ] );
	}

	/** Whether the gadget asks only the default dashboard: its words stay as they were. */
	function onlyDefault() {
		return settings.dashboards.length === 1 && settings.dashboards[ 0 ] === DEFAULT_DASHBOARD;
	}

	function has( object, key ) {
		return Object.prototype.hasOwnProperty.call( object, key );
	}

	// ---- Messages in the reader's language ---------------------------------------------
	// Translations are JSON pages of this package gadget (MediaWiki:Gadget-outreach-helper-
	// i18n-<code>.json, listed in its definition), which ResourceLoader sends with the
	// script: require() reads them, no request of their own. The reader's interface language
	// and MediaWiki's fallbacks for it are tried in order, then English. A message the wiki
	// set itself wins; one that is empty, or a translation whose $1... or {{...}} differ from
	// the English, is passed over for the next in the chain.

	var I18N_PAGE = './outreach-helper-i18n-';
	// Messages whose $1 is a username: isolated, so a left-to-right name keeps its place in
	// right-to-left text (and a right-to-left name in left-to-right text), as <bdi> does.
	var NAME_PARAM = /^outreach-helper-(tooltip-|dialog-title)/;
	var SLOT = '\ue000'; // stands for an element inside a message's text

	/** The reader's language, then MediaWiki's fallbacks for it, then English; no repeats. */
	function languageChain() {
		var chain = mw.language && mw.language.getFallbackLanguageChain ?
			mw.language.getFallbackLanguageChain() : [ mw.config.get( 'wgUserLanguage' ) ];
		return chain.concat( 'en' ).filter( function ( code, index, all ) {
			return typeof code === 'string' && code !== '' && all.indexOf( code ) === index;
		} );
	}

	/** The translations for one language that came with the gadget, or null. */
	function translations( code ) {
		if ( typeof require !== 'function' || !/^[a-z0-9-]+$/.test( code ) ) {
			return null; // not loaded as a package gadget (the demo, a common.js import)
		}
		try {
			var data = require( I18N_PAGE + code + '.json' );
			return data && typeof data === 'object' ? data : null;
		} catch ( e ) {
			return null; // no page for this language on this wiki
		}
	}

	function placeholders( text ) {
		return ( text.match( /\$\d+/g ) || [] ).sort().filter( function ( item, index, all ) {
			return all.indexOf( item ) === index;
		} ).join( ' ' );
	}

	/** Every {{ closed, in order: an unbalanced PLURAL or GENDER would show as code. */
	function balanced( text ) {
		var depth = 0;
		var tokens = text.match( /\{\{|\}\}/g ) || [];
		for ( var i = 0; i < tokens.length && depth >= 0; i++ ) {
			depth += tokens[ i ] === '{{' ? 1 : -1;
		}
		return depth === 0;
	}

	function usable( text, english ) {
		return typeof text === 'string' && text.trim() !== '' &&
			placeholders( text ) === placeholders( english ) && balanced( text );
	}

	/** Sets every message: the wiki's own, else the first usable translation, else English. */
	function chooseMessages() {
		var chain = languageChain();
		var found = [];
		chain.forEach( function ( code ) {
			var data = code === 'en' ? null : translations( code );
			if ( data ) {
				found.push( { code: code, data: data } );
			}
		} );
		Object.keys( MESSAGES ).forEach( function ( key ) {
			var english = MESSAGES[ key ];
			var own = mw.messages.get( key );
			if ( typeof own === 'string' && own.trim() !== '' ) {
				return;
			}
			var chosen = english;
			for ( var i = 0; i < found.length; i++ ) {
				if ( has( found[ i ].data, key ) ) {
					if ( usable( found[ i ].data[ key ], english ) ) {
						chosen = found[ i ].data[ key ];
						break;
					}
					mw.log.warn( '[outreach-helper] ' + found[ i ].code + ': ' + key + ' does not match the English; passed over' );
				}
			}
			mw.messages.set( key, chosen );
		} );
	}

	/** A message's text; English when what is set there shows nothing. */
	function format( key, params ) {
		var text = mw.message.apply( mw, [ key ].concat( params ) ).text();
		if ( ( !text || text.charAt( 0 ) === '⧼' ) && has( MESSAGES, key ) ) {
			mw.messages.set( key, MESSAGES[ key ] ); // emptied (or removed) after the start
			text = mw.message.apply( mw, [ key ].concat( params ) ).text();
		}
		return text;
	}

	/** Whether a name may run the other way than the page: the page is right to left, or the
	 * name has right-to-left letters (Hebrew, Arabic, Syriac, Thaana, N'Ko, ...). */
	function mixesDirections( name ) {
		return document.documentElement.dir === 'rtl' ||
			/[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]/.test( name );
	}

	function msg( key ) {
		var params = Array.prototype.slice.call( arguments, 1 );
		if ( NAME_PARAM.test( key ) && params.length && mixesDirections( String( params[ 0 ] ) ) ) {
			params[ 0 ] = '\u2068' + params[ 0 ] + '\u2069'; // first-strong isolate ... pop
		}
		return format( key, params );
	}

	/** A message with a username in it, as text and a <bdi> element (for the dialog). */
	function msgWithName( key, name ) {
		var nodes = [];
		format( key, [ SLOT ] ).split( SLOT ).forEach( function ( part, index ) {
			if ( index > 0 ) {
				nodes.push( el( 'bdi', { textContent: name } ) );
			}
			if ( part ) {
				nodes.push( part );
			}
		} );
		return nodes;
	}

	/** BCP 47 tags of the language chain that this browser's Intl accepts. */
	function intlLocales() {
		return languageChain().map( function ( code ) {
			return mw.language && mw.language.bcp47 ? mw.language.bcp47( code ) : code;
		} ).filter( function ( tag ) {
			try {
				return Intl.DateTimeFormat.supportedLocalesOf( [ tag ] ).length > 0;
			} catch ( e ) {
				return false; // not a valid tag
			}
		} );
	}

	/** lang and dir for what the gadget adds: the reader's language, the page's direction. */
	function languageProps( props ) {
		var tags = intlLocales();
		props.lang = tags.length ? tags[ 0 ] : 'en';
		props.dir = document.documentElement.dir === 'rtl' ? 'rtl' : 'ltr';
		return props;
	}

	var numberFormat = null;

	function formatNumber( number ) {
		if ( !numberFormat ) {
			numberFormat = new Intl.NumberFormat( intlLocales() );
		}
		return numberFormat.format( number );
	}

	/** Whether a name cannot be on the Dashboard: an IP address or a temporary account. */
	function isAnonymous( name ) {
		return mw.util.isIPAddress( name, true ) ||
			Boolean( mw.util.isTemporaryUser && mw.util.isTemporaryUser( name ) );
	}

	/** The user this page is about, when it is a page the gadget acts on; else null. */
	function relevantUser() {
		var user = mw.config.get( 'wgRelevantUserName' );
		var namespace = mw.config.get( 'wgNamespaceNumber' );
		var special = mw.config.get( 'wgCanonicalSpecialPageName' );
		var onUserPage = namespace === 2 || namespace === 3;
		var onContributions = special === 'Contributions' || special === 'DeletedContributions';
		if ( !user || !( onUserPage || onContributions ) || isAnonymous( user ) ) {
			return null;
		}
		return user;
	}

	function userPath( user ) {
		return '/api/users/' + encodeURIComponent( user.replace( / /g, '_' ) );
	}

	/**
	 * GET a JSON answer from the service. Rejects on network errors, timeouts and non-2xx
	 * answers (the error's `status` is then the HTTP status).
	 */
	function getJson( path ) {
		return new Promise( function ( resolve, reject ) {
			var controller = window.AbortController ? new AbortController() : null;
			var timer = setTimeout( function () {
				if ( controller ) {
					controller.abort();
				}
				reject( new Error( 'timed out: ' + path ) );
			}, settings.timeout );
			fetch( settings.apiBase.replace( /\/+$/, '' ) + path, {
				credentials: 'omit',
				headers: { 'Api-User-Agent': API_USER_AGENT },
				signal: controller ? controller.signal : undefined
			} ).then( function ( response ) {
				if ( !response.ok ) {
					var error = new Error( 'HTTP ' + response.status + ' from ' + path );
					error.status = response.status;
					throw error;
				}
				return response.json();
			} ).then( function ( body ) {
				clearTimeout( timer );
				resolve( body );
			}, function ( error ) {
				clearTimeout( timer );
				reject( error );
			} );
		} );
	}

	/** 'event', 'tracking' or 'inactive' from a status answer; null if no course at all. */
	function lightOf( status ) {
		if ( !status || status.has_any_courses !== true ) {
			return null;
		}
		if ( status.has_active_event ) {
			return 'event';
		}
		return status.has_active_tracking ? 'tracking' : 'inactive';
	}

	/** Runs `work` when the browser is idle, so the page's own rendering goes first. */
	function later( work ) {
		if ( window.requestIdleCallback ) {
			window.requestIdleCallback( work, { timeout: 1000 } );
		} else {
			setTimeout( work, 0 );
		}
	}

	// ---- Small DOM helpers -------------------------------------------------------------

	/** An element with properties (role, aria-* and data-* as attributes) and children. */
	function el( tag, props, children ) {
		var node = document.createElement( tag );
		Object.keys( props || {} ).forEach( function ( key ) {
			if ( /^(aria-|data-|role$)/.test( key ) ) {
				node.setAttribute( key, props[ key ] );
			} else {
				node[ key ] = props[ key ];
			}
		} );
		( children || [] ).forEach( function ( child ) {
			if ( child !== null && child !== undefined ) {
				node.append( child );
			}
		} );
		return node;
	}

	function slugPath( slug ) {
		return slug.split( '/' ).map( encodeURIComponent ).join( '/' );
	}

	/** A dashboard's base URL: as the service's answer says, else the known one; or null. */
	function dashboardBase( name, urls ) {
		if ( urls && typeof urls[ name ] === 'string' ) {
			return urls[ name ].replace( /\/+$/, '' );
		}
		return has( DASHBOARD_BASES, name ) ? DASHBOARD_BASES[ name ] : null;
	}

	/** The user's page on a dashboard, or null when where it lives is not known. */
	function profileUrl( user, name, urls ) {
		var base = dashboardBase( name, urls );
		return base && base + '/users/' + encodeURIComponent( user );
	}

	/** A dashboard's name in words: "Outreach Dashboard", or short: "Outreach". */
	function dashboardTitle( name, short ) {
		var known = name === 'outreach' || name === 'wikiedu';
		if ( !known ) {
			return msg( 'outreach-helper-dashboard-other', name );
		}
		return msg( ( short ? 'outreach-helper-program-' : 'outreach-helper-dashboard-' ) + name );
	}

	/** Names in the order of the `dashboards` setting, then any others as they came. */
	function inSettingsOrder( names ) {
		function rank( name ) {
			var at = settings.dashboards.indexOf( name );
			return at === -1 ? settings.dashboards.length + names.indexOf( name ) : at;
		}
		return names.slice().sort( function ( a, b ) {
			return rank( a ) - rank( b );
		} );
	}

	/** The light: its shape differs per state too, so that colour is never all it says. */
	function light( state, extraClass, label ) {
		var props = { className: 'outreach-helper-light outreach-helper-light-' + state };
		if ( extraClass ) {
			props.className += ' ' + extraClass;
		}
		if ( label ) {
			props.role = 'img';
			props[ 'aria-label' ] = label;
			props.title = label;
		} else {
			props[ 'aria-hidden' ] = 'true';
		}
		return el( 'span', props );
	}

	// ---- Dates in the reader's language ------------------------------------------------

	var dateFormat = null;

	function formatDate( date ) {
		if ( !dateFormat ) {
			// Course dates are whole UTC days on the Dashboard: show them as such.
			var options = { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' };
			// The reader's language, or the first of its fallbacks that Intl knows; with
			// none of them, the browser's.
			dateFormat = new Intl.DateTimeFormat( intlLocales(), options );
		}
		return dateFormat.format( date );
	}

	function dateRange( start, end ) {
		var from = start ? new Date( start ) : null;
		var to = end ? new Date( end ) : null;
		if ( !from || !to || isNaN( from ) || isNaN( to ) ) {
			return null;
		}
		return msg( 'outreach-helper-date-range', formatDate( from ), formatDate( to ) );
	}

	// ---- The dialog --------------------------------------------------------------------

	function rankOf( course ) {
		if ( course.active_event ) {
			return 0;
		}
		return course.active ? 1 : 2;
	}

	/** The dashboard a course is on: as the service says, else the one asked. */
	function dashboardOf( course ) {
		return typeof course.dashboard === 'string' ? course.dashboard : settings.dashboards[ 0 ];
	}

	/** 'courses' (Student, Instructor, Course) or 'courses_generic' (Editor, Facilitator,
	 * Program): the course's own, else its dashboard's default (as Rails' Features does). */
	function wordsOf( course ) {
		if ( course.string_prefix === CLASSROOM || course.string_prefix === GENERIC ) {
			return course.string_prefix;
		}
		return dashboardOf( course ) === 'wikiedu' ? CLASSROOM : GENERIC;
	}

	/** The user's role in the course's words: the service's `role_name`, else `user_role`. */
	function roleNameOf( course ) {
		if ( typeof course.role_name === 'string' && course.role_name ) {
			return course.role_name;
		}
		var own = OWN_WORDS[ wordsOf( course ) ];
		return has( own, course.user_role ) ? own[ course.user_role ] : course.user_role;
	}

	function courseKey( course ) {
		return dashboardOf( course ) + '|' + course.course_slug;
	}

	/** One entry per course (a user enrolled twice in one course has two rows). */
	function groupCourses( courses ) {
		var byKey = {};
		var order = [];
		courses.forEach( function ( course ) {
			var key = courseKey( course );
			var role = roleNameOf( course );
			if ( !has( byKey, key ) ) {
				byKey[ key ] = Object.assign( {}, course, { roles: [ role ] } );
				order.push( key );
			} else if ( byKey[ key ].roles.indexOf( role ) === -1 ) {
				byKey[ key ].roles.push( role );
			}
		} );
		// Events on now first, then active courses, then the rest; newest first within each
		// (the order sent), which the index keeps whatever the browser's sort.
		return order.map( function ( key, index ) {
			return { course: byKey[ key ], index: index };
		} ).sort( function ( a, b ) {
			return ( rankOf( a.course ) - rankOf( b.course ) ) || ( a.index - b.index );
		} ).map( function ( entry ) {
			return entry.course;
		} );
	}

	/** The courses by dashboard, in the order of the `dashboards` setting: [ { name, courses } ]. */
	function byDashboard( courses ) {
		var groups = {};
		var names = [];
		courses.forEach( function ( course ) {
			var name = dashboardOf( course );
			if ( !has( groups, name ) ) {
				groups[ name ] = [];
				names.push( name );
			}
			groups[ name ].push( course );
		} );
		return inSettingsOrder( names ).map( function ( name ) {
			return { name: name, courses: groups[ name ] };
		} );
	}

	/** 'event', 'tracking' or 'inactive'; null when the Dashboard did not tell (no badge). */
	function stateOf( course ) {
		if ( course.active_event ) {
			return 'event';
		}
		if ( typeof course.active !== 'boolean' ) {
			return null;
		}
		return course.active ? 'tracking' : 'inactive';
	}

	/** A role in the user's grammatical gender ('male', 'female' or 'unknown'). */
	function roleLabel( label, gender ) {
		return has( ROLE_KEYS, label ) ? msg( 'outreach-helper-role-' + ROLE_KEYS[ label ], gender ) : label;
	}

	/** The reader's language's list separator (MediaWiki's comma-separator: "، " in Arabic). */
	function comma() {
		var separator = mw.message( 'comma-separator' );
		return separator.exists() ? separator.text() : ', ';
	}

	function talkLinks( names, className ) {
		var links = [];
		names.forEach( function ( name, index ) {
			if ( index > 0 ) {
				links.push( comma() );
			}
			links.push( el( 'a', {
				className: className,
				href: mw.util.getUrl( 'User talk:' + name ),
				dir: 'auto',
				textContent: name
			} ) );
		} );
		return links;
	}

	function facilitatorLinks( staff ) {
		if ( !Array.isArray( staff ) ) {
			return [ msg( 'outreach-helper-facilitators-unknown' ) ];
		}
		if ( staff.length === 0 ) {
			return [ msg( 'outreach-helper-no-facilitators' ) ];
		}
		return talkLinks( staff, 'outreach-helper-facilitator' );
	}

	// ---- Who runs a course, and whom the ping asks ----------------------------------------
	// The service's `staff` is everyone with a role >= 1. Wiki Education adds its classroom
	// program manager (role 4, "Wiki Education Staff") to every approved classroom course, so
	// there `staff` names one person on hundreds of courses. The instructor is the person to
	// ask about a student's work; Wiki Education's staff support instructors and are reached
	// on their own pages. So, on classroom courses ('courses' words), the dialog reads the
	// roster (role numbers) of up to MAX_ROSTERS of them, lists role-4 people apart, and the
	// ping leaves them out (unless nobody else runs the course). On other courses the ping
	// asks everyone in `staff`, as it always has: facilitators and volunteers (roles 1-3).

	function rosterPath( course ) {
		return '/api/courses/' + slugPath( course.course_slug ) + '/users?dashboard=' +
			encodeURIComponent( dashboardOf( course ) );
	}

	/** The names with role 4 in each classroom course read: { courseKey: [ names ] }. */
	function wikiEdStaffOf( courses ) {
		var found = {};
		return Promise.all( courses.filter( function ( course ) {
			return wordsOf( course ) === CLASSROOM && course.course_slug && course.staff && course.staff.length;
		} ).slice( 0, MAX_ROSTERS ).map( function ( course ) {
			return getJson( rosterPath( course ) ).then( function ( roster ) {
				found[ courseKey( course ) ] = ( roster.facilitators || [] ).filter( function ( row ) {
					return row.role === WIKI_ED_STAFF_ROLE;
				} ).map( function ( row ) {
					return row.username;
				} );
			}, function ( error ) {
				// Not known: the course's staff stay together (and are all pinged).
				mw.log.warn( '[outreach-helper] roster unavailable:', error );
			} );
		} ) ).then( function () {
			return found;
		} );
	}

	/** A course's staff apart from its Wiki Education staff: { people, wikiEd }. */
	function splitStaff( staff, wikiEd ) {
		var split = { people: staff, wikiEd: [] };
		if ( Array.isArray( staff ) && wikiEd ) {
			split.people = [];
			staff.forEach( function ( name ) {
				( wikiEd.indexOf( name ) === -1 ? split.people : split.wikiEd ).push( name );
			} );
		}
		return split;
	}

	function renderCourse( course, gender, wikiEd ) {
		var state = stateOf( course );
		var classroom = wordsOf( course ) === CLASSROOM;
		var dates = dateRange( course.start, course.end ) || msg( 'outreach-helper-dates-unknown' );
		var rows = [ [ 'outreach-helper-dates', dates ] ];
		var event = dateRange( course.timeline_start, course.timeline_end );
		if ( event && event !== dates ) {
			rows.push( [ 'outreach-helper-event-dates', event ] );
		}
		rows.push( [ 'outreach-helper-role', course.roles.filter( Boolean ).map( function ( role ) {
			return roleLabel( role, gender );
		} ).join( comma() ) ] );
		var list = el( 'dl' );
		rows.forEach( function ( row ) {
			list.append( el( 'dt', { textContent: msg( row[ 0 ] ) } ), el( 'dd', {}, [ row[ 1 ] ] ) );
		} );
		var split = splitStaff( course.staff, wikiEd );
		// How many are listed, for PLURAL (a list that is not known: the plural).
		var staffCount = Array.isArray( split.people ) ? split.people.length : 2;
		list.append(
			el( 'dt', { textContent: msg( classroom ? 'outreach-helper-instructors' : 'outreach-helper-facilitators', staffCount ) } ),
			el( 'dd', {}, facilitatorLinks( split.people ) )
		);
		if ( split.wikiEd.length ) {
			list.append(
				el( 'dt', { textContent: msg( 'outreach-helper-role-staff', 'unknown' ) } ),
				el( 'dd', {}, talkLinks( split.wikiEd, 'outreach-helper-staff' ) )
			);
		}
		var title = el( 'a', {
			className: 'outreach-helper-course-title',
			href: course.dashboard_url || ( dashboardBase( dashboardOf( course ), null ) || '' ) +
				'/courses/' + slugPath( course.course_slug ),
			dir: 'auto', // a left-to-right title in right-to-left text, or the other way
			textContent: course.course_title
		} );
		var badge = state && el( 'span', {
			className: 'outreach-helper-badge outreach-helper-badge-' + state,
			textContent: msg( 'outreach-helper-state-' + state )
		} );
		var school = [ course.course_school, course.course_term ].filter( Boolean ).join( ' · ' );
		return el( 'li', {
			className: 'outreach-helper-course',
			'data-slug': course.course_slug,
			'data-dashboard': dashboardOf( course )
		}, [
			el( 'div', { className: 'outreach-helper-course-head' }, [ title, badge ? ' ' : null, badge || null ] ),
			el( 'div', { className: 'outreach-helper-school', dir: 'auto', textContent: school } ),
			list
		] );
	}

	/** Copy text; falls back to selecting the field where the Clipboard API is refused. */
	function copyText( text, field ) {
		function oldWay() {
			try {
				field.select();
				return document.execCommand( 'copy' );
			} catch ( e ) {
				return false;
			}
		}
		if ( navigator.clipboard && navigator.clipboard.writeText ) {
			return navigator.clipboard.writeText( text ).then( function () {
				return true;
			}, oldWay ); // refused (no permission, not focused): try the old way
		}
		return Promise.resolve( oldWay() );
	}

	function renderPing( names, activeOnly, classroom ) {
		var text = mw.message( 'outreach-helper-ping-template', names.join( '|' ) ).plain();
		var key = 'outreach-helper-ping-' + ( activeOnly ? 'active' : 'all' ) + ( classroom ? '-instructors' : '' );
		var label = msg( key );
		var field = el( 'input', {
			className: 'outreach-helper-ping-text',
			type: 'text',
			readOnly: true,
			dir: 'auto',
			value: text,
			'aria-label': label
		} );
		var feedback = el( 'span', { className: 'outreach-helper-copy-status', role: 'status' } );
		var button = el( 'button', {
			className: 'outreach-helper-copy',
			type: 'button',
			textContent: msg( 'outreach-helper-copy' )
		} );
		button.addEventListener( 'click', function () {
			copyText( text, field ).then( function ( copied ) {
				feedback.textContent = msg( copied ? 'outreach-helper-copied' : 'outreach-helper-copy-failed' );
			} );
		} );
		return el( 'div', { className: 'outreach-helper-ping' }, [
			el( 'div', { textContent: label } ),
			el( 'div', { className: 'outreach-helper-ping-row' }, [ field, button ] ),
			feedback
		] );
	}

	/**
	 * Whom the ping of one dashboard's courses asks: those who run its active courses (as
	 * /active-staff lists them), or, when none of the user's courses anywhere is active,
	 * those of all its courses; Wiki Education staff left out (as said above) unless a
	 * course has nobody else.
	 */
	function pingNames( group, context ) {
		var seen = {};
		( context.activeOnly ? context.active : group.courses ).forEach( function ( course ) {
			var people = splitStaff( course.staff, context.wikiEd[ courseKey( course ) ] ).people;
			if ( dashboardOf( course ) === group.name ) {
				( people && people.length ? people : course.staff || [] ).forEach( function ( name ) {
					seen[ name ] = true;
				} );
			}
		} );
		return Object.keys( seen ).sort();
	}

	/** One dashboard's part of the dialog: its name, its courses, their ping, the profile. */
	function renderGroup( user, group, context ) {
		var parts = [];
		if ( context.headings ) {
			parts.push( el( 'h3', { className: 'outreach-helper-dashboard-name', textContent: dashboardTitle( group.name ) } ) );
		}
		parts.push( el( 'p', {
			className: 'outreach-helper-count',
			textContent: msg( 'outreach-helper-course-count', group.courses.length, formatNumber( group.courses.length ) )
		} ) );
		parts.push( el( 'ul', { className: 'outreach-helper-courses' }, group.courses.map( function ( course ) {
			return renderCourse( course, context.gender, context.wikiEd[ courseKey( course ) ] );
		} ) ) );
		var names = pingNames( group, context );
		if ( names.length > 0 ) {
			var classroom = group.courses.every( function ( course ) {
				return wordsOf( course ) === CLASSROOM;
			} );
			parts.push( renderPing( names, context.activeOnly, classroom ) );
		}
		var url = profileUrl( user, group.name, context.urls );
		if ( url ) {
			parts.push( el( 'p', { className: 'outreach-helper-footer' }, [
				el( 'a', { href: url, textContent: group.name === DEFAULT_DASHBOARD ?
					msg( 'outreach-helper-profile' ) : msg( 'outreach-helper-profile-on', dashboardTitle( group.name ) ) } )
			] ) );
		}
		return el( 'section', { className: 'outreach-helper-dashboard', 'data-dashboard': group.name }, parts );
	}

	/** The dialog's body once the answers are in. */
	function renderDetails( user, enriched, activeStaff, gender, wikiEd ) {
		var courses = groupCourses( Array.isArray( enriched.courses ) ? enriched.courses : [] );
		if ( courses.length === 0 ) {
			return [ el( 'p', { textContent: msg( 'outreach-helper-no-courses' ) } ) ];
		}
		var active = ( Array.isArray( activeStaff.courses ) ? activeStaff.courses : [] ).filter( function ( course ) {
			return Array.isArray( course.staff ) && course.staff.length > 0;
		} );
		var context = {
			gender: gender,
			wikiEd: wikiEd,
			active: active,
			// Ping those who run the active courses; with none active, those of every course.
			activeOnly: active.length > 0,
			urls: enriched.dashboard_urls,
			// Only today's single Outreach Dashboard goes without a heading naming it.
			headings: !onlyDefault()
		};
		return byDashboard( courses ).map( function ( group ) {
			return renderGroup( user, group, context );
		} );
	}

	/**
	 * The grammatical gender the user chose in their preferences ('male', 'female' or
	 * 'unknown'), for {{GENDER:}} in role words: asked of this wiki's API when the dialog
	 * opens, never on a page view; 'unknown' when the API cannot tell within 3 s.
	 */
	function genderOf( user ) {
		if ( !mw.util.wikiScript ) {
			return Promise.resolve( 'unknown' );
		}
		var url = mw.util.wikiScript( 'api' ) + '?action=query&format=json&formatversion=2' +
			'&list=users&usprop=gender&ususers=' + encodeURIComponent( user );
		return new Promise( function ( resolve ) {
			var timer = setTimeout( function () {
				resolve( 'unknown' );
			}, 3000 );
			fetch( url, { credentials: 'same-origin' } ).then( function ( response ) {
				return response.json();
			} ).then( function ( body ) {
				var found = body && body.query && body.query.users && body.query.users[ 0 ];
				resolve( found && /^(male|female)$/.test( found.gender ) ? found.gender : 'unknown' );
			} ).then( null, function () {
				resolve( 'unknown' );
			} ).then( function () {
				clearTimeout( timer );
			} );
		} );
	}

	var dialog = null;
	var details = null; // the answers, fetched once per page view (again after a failure)

	function closeDialog() {
		if ( typeof dialog.element.close === 'function' ) {
			dialog.element.close();
		} else {
			dialog.element.removeAttribute( 'open' );
			dialog.returnFocus();
		}
	}

	/** What Tab can reach inside the dialog, in order. */
	function focusables( root ) {
		var all = root.querySelectorAll( 'a[href], button:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])' );
		return Array.prototype.filter.call( all, function ( node ) {
			return node.offsetParent !== null;
		} );
	}

	/** Tab and Shift+Tab cycle inside the dialog; they never leave it while it is open. */
	function keepFocusInside( event, element ) {
		if ( event.key !== 'Tab' ) {
			return;
		}
		var nodes = focusables( element );
		if ( nodes.length === 0 ) {
			return;
		}
		var first = nodes[ 0 ];
		var last = nodes[ nodes.length - 1 ];
		var inside = element.contains( document.activeElement );
		if ( event.shiftKey && ( document.activeElement === first || !inside ) ) {
			event.preventDefault();
			last.focus();
		} else if ( !event.shiftKey && ( document.activeElement === last || !inside ) ) {
			event.preventDefault();
			first.focus();
		}
	}

	function createDialog( user ) {
		var body = el( 'div', { className: 'outreach-helper-body', 'aria-live': 'polite' } );
		var close = el( 'button', {
			className: 'outreach-helper-close',
			type: 'button',
			textContent: '×',
			title: msg( 'outreach-helper-close' ),
			'aria-label': msg( 'outreach-helper-close' )
		} );
		var title = onlyDefault() ? 'outreach-helper-dialog-title' : 'outreach-helper-dialog-title-courses';
		var heading = el( 'h2', { id: 'outreach-helper-title' }, msgWithName( title, user ) );
		var element = el( 'dialog', languageProps( {
			className: 'outreach-helper-dialog',
			'aria-labelledby': 'outreach-helper-title'
		} ), [ el( 'div', { className: 'outreach-helper-header' }, [ heading, close ] ), body ] );
		var made = { element: element, body: body, close: close, opener: null };
		made.returnFocus = function () {
			// Back to what opened the dialog (the link), as a keyboard user expects.
			if ( made.opener && document.body.contains( made.opener ) ) {
				made.opener.focus();
			}
			made.opener = null;
		};
		close.addEventListener( 'click', closeDialog );
		element.addEventListener( 'close', made.returnFocus );
		element.addEventListener( 'keydown', function ( event ) {
			if ( event.key === 'Escape' && typeof element.close !== 'function' ) {
				closeDialog(); // a browser without <dialog>: Escape as in one with it
			}
			keepFocusInside( event, element );
		} );
		// A click on the backdrop (the dialog element itself, outside its content) closes it.
		element.addEventListener( 'click', function ( event ) {
			if ( event.target === element ) {
				closeDialog();
			}
		} );
		document.body.append( element );
		return made;
	}

	function show( parts ) {
		dialog.body.textContent = '';
		dialog.body.append.apply( dialog.body, parts );
	}

	function note( className, key ) {
		return el( 'p', { className: className, textContent: msg( key ) } );
	}

	function openDialog( user, opener ) {
		if ( !dialog ) {
			dialog = createDialog( user );
		}
		if ( !dialog.element.open ) {
			dialog.opener = opener;
			if ( typeof dialog.element.showModal === 'function' ) {
				dialog.element.showModal();
			} else {
				dialog.element.setAttribute( 'open', '' ); // a browser without <dialog> support
			}
			dialog.close.focus();
		}
		if ( details ) {
			return; // fetched (or being fetched) already
		}
		show( [ note( 'outreach-helper-loading', 'outreach-helper-loading' ) ] );
		details = Promise.all( [
			getJson( withDashboards( userPath( user ) + '?enrich=true' ) ),
			getJson( withDashboards( userPath( user ) + '/active-staff' ) ),
			genderOf( user )
		] ).then( function ( answers ) {
			var courses = Array.isArray( answers[ 0 ].courses ) ? answers[ 0 ].courses : [];
			return wikiEdStaffOf( groupCourses( courses ) ).then( function ( wikiEd ) {
				return answers.concat( [ wikiEd ] );
			} );
		} );
		details.then( function ( answers ) {
			show( renderDetails( user, answers[ 0 ], answers[ 1 ], answers[ 2 ], answers[ 3 ] ) );
		}, function ( error ) {
			details = null; // let the next click try again
			mw.log.warn( '[outreach-helper] course details unavailable:', error );
			show( [ note( 'outreach-helper-unavailable', 'outreach-helper-unavailable' ) ] );
		} );
	}

	// ---- The link ----------------------------------------------------------------------

	/**
	 * The link as a page indicator, beside the title where every skin shows it without a
	 * menu: <div id=LINK_ID class="mw-indicator"><a>. Minerva has no indicators area: there
	 * it goes right below the title, inside the page heading. Null when neither exists.
	 */
	function addIndicator( href, text, tooltip ) {
		var indicators = document.querySelector( '.mw-indicators' );
		var heading = document.getElementById( 'firstHeading' );
		if ( !indicators && !heading ) {
			return null;
		}
		var link = el( 'a', { href: href, title: tooltip }, [ el( 'span', { textContent: text } ) ] );
		var item = el( 'div', {
			id: LINK_ID,
			className: 'mw-indicator outreach-helper-indicator'
		}, [ link ] );
		if ( indicators ) {
			indicators.append( item );
		} else {
			heading.parentNode.insertBefore( item, heading.nextSibling );
		}
		return item;
	}

	/**
	 * Where the link goes: the menu the `portlet` setting names; else a page indicator where
	 * the skin has them (legacy Vector, Vector 2022, MonoBook, Timeless), or on Minerva, whose
	 * Tools are in a menu or missing; else the Tools menu. Whatever is missing, the next.
	 */
	function placeLink( href, text, tooltip ) {
		var item = null;
		var atAGlance = document.querySelector( '.mw-indicators' ) || mw.config.get( 'skin' ) === 'minerva';
		if ( settings.portlet ) {
			item = mw.util.addPortletLink( settings.portlet, href, text, LINK_ID, tooltip );
		} else if ( !atAGlance ) {
			item = mw.util.addPortletLink( 'p-tb', href, text, LINK_ID, tooltip );
		}
		return item || addIndicator( href, text, tooltip );
	}

	/**
	 * The dashboards the light is about: those whose own status (`by_dashboard` of a
	 * combined answer) has the light shown, so the text names the program when one does;
	 * the dashboard asked when the answer is about one.
	 */
	function programsOf( status, state ) {
		var each = status.by_dashboard;
		if ( !each || typeof each !== 'object' ) {
			return settings.dashboards.slice( 0, 1 );
		}
		var names = inSettingsOrder( Object.keys( each ) ).filter( function ( name ) {
			return lightOf( each[ name ] ) === state;
		} );
		return names.length ? names : settings.dashboards.slice();
	}

	/** The words of a light for a user: the Outreach Dashboard's own, or naming the programs. */
	function lightWords( kind, state, user, programs ) {
		if ( programs.length === 1 && programs[ 0 ] === DEFAULT_DASHBOARD ) {
			return msg( 'outreach-helper-' + kind + '-' + state, user );
		}
		var text = msg( 'outreach-helper-link-program-' + state, programs.map( function ( name ) {
			return dashboardTitle( name, true );
		} ).join( comma() ) );
		return kind === 'link' ? text : msg( 'outreach-helper-tooltip-program', user, text );
	}

	function addLink( user, state, programs ) {
		if ( document.getElementById( LINK_ID ) ) {
			return;
		}
		var item = placeLink(
			profileUrl( user, programs[ 0 ], null ) || '#',
			lightWords( 'link', state, user, programs ),
			lightWords( 'tooltip', state, user, programs )
		);
		if ( !item ) {
			return;
		}
		var own = languageProps( {} );
		item.lang = own.lang;
		item.dir = own.dir;
		var link = item.querySelector( 'a' );
		link.prepend( light( state ) );
		link.addEventListener( 'click', function ( event ) {
			event.preventDefault();
			openDialog( user, link );
		} );
	}

	function run() {
		var user = relevantUser();
		if ( !user ) {
			return Promise.resolve( 'skipped' );
		}
		return getJson( withDashboards( userPath( user ) + '/status' ) ).then( function ( status ) {
			var state = lightOf( status );
			if ( !state ) {
				return 'none';
			}
			addLink( user, state, programsOf( status, state ) );
			return state;
		}, function ( error ) {
			if ( error.status === 404 ) {
				return 'none'; // no dashboard asked knows this user
			}
			mw.log.warn( '[outreach-helper] status unavailable:', error );
			return 'unavailable';
		} );
	}

	// ---- Marks in lists of changes -------------------------------------------------------

	// name -> { state: 'event' or 'tracking', facilitator: true/false, dashboards: [...] },
	// or '' (no mark)
	var answered = {};
	var asking = {}; // names in a batch request right now

	function onListPage() {
		var special = mw.config.get( 'wgCanonicalSpecialPageName' );
		return LIST_PAGES.indexOf( special ) !== -1 || mw.config.get( 'wgAction' ) === 'history';
	}

	/** Links to registered users' pages; IPs and temporary accounts have classes of their own. */
	function userLinks( root ) {
		return Array.prototype.slice.call( root.querySelectorAll(
			'a.mw-userlink:not(.mw-anonuserlink):not(.mw-tempuserlink)'
		) );
	}

	function nameOf( link ) {
		return ( link.textContent || '' ).replace( /_/g, ' ' ).trim();
	}

	/** MediaWiki's first-letter rule, as the service normalises names (the rest is as shown). */
	function keyOf( name ) {
		return name.charAt( 0 ).toUpperCase() + name.slice( 1 );
	}

	function markLink( link, answer ) {
		var next = link.nextSibling;
		if ( !answer || ( next && next.className && /outreach-helper-mark/.test( next.className ) ) ) {
			return;
		}
		var classes = 'outreach-helper-mark' + ( answer.facilitator ? ' outreach-helper-mark-facilitator' : '' );
		var label = lightWords( 'tooltip', answer.state, nameOf( link ), answer.dashboards );
		var mark = light( answer.state, classes, label );
		link.parentNode.insertBefore( mark, next );
	}

	function markAnswered( root ) {
		userLinks( root ).forEach( function ( link ) {
			var name = nameOf( link );
			if ( has( answered, name ) ) {
				markLink( link, answered[ name ] );
			}
		} );
	}

	function askBatch( names ) {
		names.forEach( function ( name ) {
			asking[ name ] = true;
		} );
		// Answered from what the service knows of the current courses: no Dashboard
		// request per name, and only people in a current course are keys.
		var query = '?usernames=' + encodeURIComponent( names.join( '|' ) );
		getJson( withDashboards( '/api/participants' + query ) ).then( function ( body ) {
			var found = body.participants || {};
			names.forEach( function ( name ) {
				var part = has( found, keyOf( name ) ) ? found[ keyOf( name ) ] : null;
				var marked = part && ( part.state === 'event' || part.state === 'tracking' );
				var where = Array.isArray( part && part.dashboards ) && part.dashboards.length ?
					inSettingsOrder( part.dashboards ) : settings.dashboards.slice( 0, 1 );
				answered[ name ] = marked ?
					{ state: part.state, facilitator: part.role === 'facilitator', dashboards: where } : '';
			} );
		}, function ( error ) {
			// Not asked again on this page: a failing service must not be hammered by updates.
			mw.log.warn( '[outreach-helper] participants unavailable:', error );
			names.forEach( function ( name ) {
				answered[ name ] = '';
			} );
		} ).then( function () {
			names.forEach( function ( name ) {
				delete asking[ name ];
			} );
			markAnswered( document );
			mw.hook( 'outreachHelper.marked' ).fire( names );
		} );
	}

	/** Marks what is already answered, and asks about new names, 50 to a request. */
	function scanList( root ) {
		var fresh = [];
		userLinks( root ).forEach( function ( link ) {
			var name = nameOf( link );
			if ( !name || isAnonymous( name ) ) {
				return;
			}
			if ( has( answered, name ) ) {
				markLink( link, answered[ name ] );
			} else if ( !has( asking, name ) && fresh.indexOf( name ) === -1 ) {
				fresh.push( name );
			}
		} );
		for ( var i = 0; i < fresh.length; i += BATCH_SIZE ) {
			askBatch( fresh.slice( i, i + BATCH_SIZE ) );
		}
	}

	function startMarks() {
		// Fired for the page's content and again for every list that Recent changes' and the
		// Watchlist's filters or live updates put in: each gets scanned, when the page is idle.
		mw.hook( 'wikipage.content' ).add( function ( $content ) {
			var root = $content && $content[ 0 ];
			if ( root ) {
				later( function () {
					scanList( root );
				} );
			}
		} );
	}

	// ---- Start ---------------------------------------------------------------------------

	function start() {
		settings = readSettings();
		settings.dashboards = dashboardNames( settings.dashboards );
		chooseMessages();
		if ( settings.marks && onListPage() ) {
			startMarks();
		}
		run().then( null, function ( error ) {
			mw.log.warn( '[outreach-helper] failed:', error );
			return 'unavailable';
		} ).then( function ( outcome ) {
			mw.hook( 'outreachHelper.ready' ).fire( outcome );
		} );
	}

	function whenDomReady() {
		if ( document.readyState === 'loading' ) {
			document.addEventListener( 'DOMContentLoaded', start );
		} else {
			start();
		}
	}

	// mediawiki.jqueryMsg reads {{PLURAL:}} and {{GENDER:}} (and brings mediawiki.language).
	mw.loader.using( [ 'mediawiki.util', 'mediawiki.jqueryMsg' ] ).then( function () {
		// After the user's own scripts (common.js), so that their settings count.
		if ( mw.loader.getState && mw.loader.getState( 'user' ) ) {
			mw.loader.using( 'user' ).then( whenDomReady, whenDomReady );
		} else {
			whenDomReady();
		}
	}, function ( error ) {
		mw.log.warn( '[outreach-helper] could not load its modules:', error );
	} );
}() );
